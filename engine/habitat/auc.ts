// Area under the ROC curve as the Mann–Whitney statistic: the probability that a random presence
// scores above a random absence, ties counting one half (mid-ranks).

/** AUC of scores against 0/1 labels, over the listed rows (all when omitted); NaN without both classes. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, rows?: ArrayLike<number>): number {
  const n = rows ? rows.length : scores.length;
  const idx = new Int32Array(n);
  for (let k = 0; k < n; k++) idx[k] = rows ? rows[k]! : k;
  idx.sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[idx[end]!] === scores[idx[start]!]) end++;
    const midRank = (start + 1 + end) / 2; // ranks start+1..end share their mean
    for (let k = start; k < end; k++) {
      if (labels[idx[k]!] === 1) {
        rankSumPos += midRank;
        nPos++;
      }
    }
    start = end;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Mean binomial deviance −2/n Σ [y log p + (1−y) log(1−p)] from margins (stable for large |margin|). */
export function meanDeviance(margins: ArrayLike<number>, labels: ArrayLike<number>, rows: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const m = margins[r]!;
    // −log σ(m) = log(1 + e^−m); for y = 0 the loss is −log σ(−m).
    const z = labels[r] === 1 ? -m : m;
    sum += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return (2 * sum) / rows.length;
}
