/**
 * "Did you mean" for names users mistype: field names at load time, references to
 * networks, VMs or tiers in verify. Case differences count as a distance of zero so
 * `Memory` suggests `memory`.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo:
 * at most max(2, ⌊len/3⌋) edits away. Ties go to the earliest candidate, so callers
 * control the preference by order. Never suggests `word` itself.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
