/**
 * Everything that leaves the run (comments, outputs, summary, log lines) passes through here:
 * known secret values are replaced, and so is anything shaped like a credential.
 */
import { secretPieces } from '../core/identity';

const PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{8,}/g,
  /\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{16,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

export const REDACTED = '***';

export class Redactor {
  private values: string[] = [];

  add(...secrets: (string | undefined)[]): void {
    for (const s of secrets) {
      if (!s || s.length < 4 || this.values.includes(s)) continue;
      for (const piece of secretPieces(s)) if (!this.values.includes(piece)) this.values.push(piece);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.values.sort((a, b) => b.length - a.length);
  }

  known(): readonly string[] {
    return this.values;
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const re of PATTERNS) out = out.replace(re, REDACTED);
    return out;
  }
}
