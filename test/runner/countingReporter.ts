// A mocha reporter that prints like the spec reporter and also writes the counts and the failures to a
// JSON file, so that scripts/test.mjs can sum the results of every test layer.
//
// Usage: mocha --reporter out/test/runner/countingReporter.js --reporter-option output=FILE ...
// Pending (skipped) tests are written as failures, because a test that does not run proves nothing.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

interface LayerResults {
  passed: number;
  failed: number;
  failures: { fullTitle: string; error: string }[];
}

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    const output = (options.reporterOptions as Record<string, string> | undefined)?.output;
    if (!output) {
      throw new Error('countingReporter needs --reporter-option output=FILE');
    }

    const results: LayerResults = { passed: 0, failed: 0, failures: [] };
    runner.on('pass', () => {
      results.passed += 1;
    });
    runner.on('fail', (test, error: Error) => {
      results.failed += 1;
      results.failures.push({ fullTitle: test.fullTitle(), error: `${error.name}: ${error.message}` });
    });
    runner.on('pending', (test) => {
      results.failed += 1;
      results.failures.push({ fullTitle: test.fullTitle(), error: 'skipped: a test must run' });
    });
    runner.once('end', () => {
      fs.mkdirSync(path.dirname(output), { recursive: true });
      fs.writeFileSync(output, JSON.stringify(results, null, 2));
    });
  }
}

export = CountingReporter;
