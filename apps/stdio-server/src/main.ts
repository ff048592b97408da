console.error('starting');
