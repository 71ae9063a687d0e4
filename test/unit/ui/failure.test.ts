import * as assert from 'node:assert/strict';
import { ConfigError } from '../../../src/training/config';
import { parseConfigFailure } from '../../../src/ui/failure';

describe('parseConfigFailure', () => {
  it('reads path and problems of ConfigError', () => {
    const error = new ConfigError('/runs/broken/training.json', ['epochs: expected a positive integer, got -1', 'Unknown field "lr"']);
    const parsed = parseConfigFailure(error.message);
    assert.ok(parsed, 'a ConfigError message must parse');
    assert.equal(parsed.configPath, '/runs/broken/training.json');
    assert.deepEqual(parsed.problems, ['epochs: expected a positive integer, got -1', 'Unknown field "lr"']);
  });

  it('keeps a path that contains a colon', () => {
    const error = new ConfigError('C:\\runs\\a: b\\training.json', ['model: missing']);
    assert.equal(parseConfigFailure(error.message)?.configPath, 'C:\\runs\\a: b\\training.json');
  });

  it('finds the header after other text', () => {
    const message = `Training failed.\n${new ConfigError('/r/training.json', ['x: missing']).message}`;
    assert.deepEqual(parseConfigFailure(message)?.problems, ['x: missing']);
  });

  it('returns undefined for other failures', () => {
    assert.equal(parseConfigFailure('The training process exited with code 1.'), undefined);
    assert.equal(parseConfigFailure('Invalid training config /r/training.json:'), undefined);
  });
});
