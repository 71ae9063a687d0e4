// A word-level tokenizer with a vocabulary of the most frequent words of the training split. It turns text
// into bag-of-words features and saves as tokenizer.json next to the model weights.

export interface TokenizerJson {
  type: 'word-level';
  lowercase: boolean;
  /** Word of each feature column, most frequent first. */
  vocabulary: string[];
}

const wordPattern = /[a-z0-9$!][a-z0-9$!'_-]*/g;

export class WordTokenizer {
  private readonly index: Map<string, number>;

  constructor(readonly vocabulary: string[]) {
    this.index = new Map(vocabulary.map((word, i) => [word, i]));
  }

  static words(text: string): string[] {
    return text.toLowerCase().match(wordPattern) ?? [];
  }

  /** Builds a vocabulary of the `size` most frequent words in `texts`; ties break alphabetically so the result is stable. */
  static fit(texts: Iterable<string>, size: number): WordTokenizer {
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const word of new Set(WordTokenizer.words(text))) {
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new WordTokenizer(ranked.slice(0, size).map(([word]) => word));
  }

  static fromJson(json: unknown): WordTokenizer {
    const parsed = json as Partial<TokenizerJson>;
    if (parsed?.type !== 'word-level' || !Array.isArray(parsed.vocabulary)) {
      throw new Error('tokenizer.json is invalid: expected {"type": "word-level", "vocabulary": [...]}');
    }
    return new WordTokenizer(parsed.vocabulary);
  }

  toJson(): TokenizerJson {
    return { type: 'word-level', lowercase: true, vocabulary: this.vocabulary };
  }

  /** Writes 1 into `row` for every vocabulary word present in `text` (binary bag of words). */
  encodeInto(text: string, row: Float32Array): void {
    for (const word of WordTokenizer.words(text)) {
      const column = this.index.get(word);
      if (column !== undefined) {
        row[column] = 1;
      }
    }
  }
}
