import baseConfig from '../../eslint.config.mjs';

// Dot-prefixed files and .scratch/ are local experiments; results/ is output.
export default [...baseConfig, { ignores: ['.scratch/**', '.*', 'results/**'] }];
