// Reading a trainer failure message. This file must not import vscode, so the unit tests can load it in plain Node.

/** A run failure caused by an invalid training.json: the file and one message per problem. */
export interface ConfigFailure {
  configPath: string;
  problems: string[];
}

const headerPattern = /^Invalid training config (.+):$/;
const problemPattern = /^\s+- (.*)$/;

/**
 * Parses the text of the trainer's ConfigError ("Invalid training config PATH:" and one "  - problem" line per
 * problem). Returns undefined for any other failure text, or when the header has no problem lines.
 * NOTE: the trainer sends only this text, so a change to ConfigError's English header brings back the long
 * notification. The unit test builds its input with ConfigError to catch that.
 */
export function parseConfigFailure(message: string): ConfigFailure | undefined {
  const lines = message.split(/\r?\n/);
  const start = lines.findIndex((line) => headerPattern.test(line));
  if (start < 0) {
    return undefined;
  }
  const configPath = headerPattern.exec(lines[start])![1];
  const problems: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = problemPattern.exec(line);
    if (match === null) {
      break;
    }
    problems.push(match[1]);
  }
  return problems.length > 0 ? { configPath, problems } : undefined;
}
