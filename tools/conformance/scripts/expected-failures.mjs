// Scored scenarios known to fail, per revision and target, each with why. The run stays green with them and
// names them on every run; a scenario failing that is not listed fails the run, and so does a listed one that
// passes (the list must shrink as the work lands, never hide a pass or a regression).
export const EXPECTED_FAILURES = {
  '2025-11-25': { fixture: {}, 'http-server': {} },
  '2026-07-28': {
    fixture: Object.fromEntries(
      [
        'input-required-result-basic-elicitation',
        'input-required-result-basic-sampling',
        'input-required-result-basic-list-roots',
        'input-required-result-request-state',
        'input-required-result-multiple-input-requests',
        'input-required-result-multi-round',
        'input-required-result-non-tool-request',
        'input-required-result-result-type',
        'input-required-result-tampered-state',
        'input-required-result-capability-check',
        // These two pass in the suite's own tally (a warning is not a failure there) but warn, which this runner
        // holds against a scenario: they call the MRTR fixture tools too.
        'input-required-result-missing-input-response',
        'input-required-result-ignore-extra-params',
      ].map((name) => [
        name,
        'multi-round-trip requests (input_required, inputResponses, HMAC-sealed requestState) are not built yet: issue 15 item 4',
      ]),
    ),
    'http-server': {},
  },
};
