/** "Did you mean …?": the known name nearest to a misspelt one, when it is near enough. */

export function editDistance(a: string, b: string): number {
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(name.length / 3));
  if (bestDistance <= allowed) return best;
  // A name that is part of a longer one ("reward" for "reward_score") is a likely near miss too.
  const lowered = name.toLowerCase();
  const containing = list.filter((c) => lowered.length >= 3 && c.toLowerCase().includes(lowered));
  return containing.sort((a, b) => a.length - b.length)[0];
}

/** ` Perhaps you meant "x".` or the empty string. */
export function suggestion(name: string, candidates: Iterable<string>, what = ''): string {
  const nearest = nearestName(name, candidates);
  return nearest === undefined ? '' : ` Perhaps you meant ${what}"${nearest}".`;
}
