// `wt habitat fit`: a habitat (resource-selection) model from presence/absence sites — gradient-boosted
// trees with cross-validated AUC, optionally scored on an independent file and exported to ONNX.
// Errors go to stderr with exit code 1; --json prints one JSON object on the last line of stdout.
import { readFile } from "node:fs/promises";
import {
  DEFAULT_PARAMS,
  auc,
  binaryTarget,
  encodeTable,
  fitEncoding,
  fitHabitat,
  numericCell,
  parseTable,
  predictMargin,
  predictProba,
  resolveParams,
  saveHabitatModel,
  spatialBlockFolds,
  stratifiedFolds,
  toRowMajorFloat32,
  type FeatureMatrix,
  type GbtModel,
  type GbtParams,
  type TextTable,
} from "../engine/habitat/index.ts";
import type { Io } from "./main.ts";
import { parseFlags, UsageError } from "./args.ts";

const d = DEFAULT_PARAMS;
const HELP = `Usage: wt habitat fit --input FILE.csv --target COL [options]

Fits a habitat model to presence/absence sites: gradient-boosted trees with XGBoost's semantics
(logistic loss, second-order boosting, exact greedy splits, learned default directions for missing
values), the number of trees chosen by k-fold cross-validation as in Elith et al. (2008)'s boosted
regression trees, then refitted on all sites. Prints the cross-validated AUC, the AUC on an
independent file, and the number of trees.

Data:
  --input FILE          training CSV, one row per site, a header line (required)
  --target COL          presence (1) / absence (0) column (required)
  --eval FILE           independent test CSV, encoded like the training file
  --eval-target COL     its presence/absence column (default: --target)
  --features A,B,...    covariate columns (default: every other column, see below)
  --exclude A,B,...     columns that are not covariates (identifiers, notes, …)
  Numbers are covariates as they are; empty, NA, NaN, null and N/A are missing values. A column
  holding text (e.g. a survey method) is one-hot encoded: one 0/1 feature per category of the
  training file; in other files an unseen category is all zeros and a missing one is missing. A
  running row number (1, 2, 3, … or 0, 1, 2, …) is an identifier and is left out, as is a training
  column the --eval file lacks; both are listed under "ignored_columns".

Cross-validation:
  --folds K             number of folds (default 10)
  --x COL --y COL       site coordinates: folds are then spatial blocks — a grid of square blocks,
                        shuffled and dealt to the folds — so held-out sites are away from training
                        sites. Without coordinates folds are random, stratified by presence.
  --block-size S        block side in coordinate units (default: larger extent / ceil(√(5K)))
  --seed S              seed of folds, row and column sampling (default 1): same seed, same result
  --early-stopping N    stop when the mean held-out deviance has not improved for N trees
                        (default max(50, 3/eta))

Boosting (XGBoost names in brackets):
  --eta X               learning rate [eta] (default ${d.eta})
  --max-depth N         tree depth [max_depth] (default ${d.maxDepth})
  --max-trees N         most trees cross-validation may choose (default ${d.nTrees})
  --subsample X         fraction of sites per tree [subsample] (default ${d.subsample})
  --colsample X         fraction of features per tree [colsample_bytree] (default ${d.colsampleByTree})
  --min-child-weight X  smallest hessian sum in a leaf [min_child_weight] (default ${d.minChildWeight})
  --lambda X            L2 penalty on leaf weights [lambda] (default ${d.lambda})
  --alpha X             L1 penalty on leaf weights [alpha] (default ${d.alpha})
  --gamma X             minimum loss reduction of a split [gamma] (default ${d.gamma})
  --base-score P|mean   initial probability (default mean: the training prevalence)

Output:
  --save-model DIR      write DIR/habitat.onnx (ONNX TreeEnsembleRegressor + Sigmoid) and
                        DIR/habitat.card.json (inputs, features, encoding, sha256, metrics); the
                        file is then scored with onnxruntime and checked against the trainer
  --json                one JSON object on the last line of stdout:
                        {"auc_cv","auc_eval","trees", "auc_cv_se","auc_cv_pooled","cv_deviance",
                         "folds","fold_kind","n","n_presence","features","ignored_columns", …}
                        auc_cv is the mean of the folds' held-out AUCs at the chosen number
                        of trees (as gbm.step reports it); auc_cv_pooled pools the held-out
                        predictions; auc_eval is null without --eval
  --help                show this help

Example (Elith et al. 2008's short-finned eel data):
  wt habitat fit --input anguilla_train.csv --target Angaus \\
    --eval anguilla_test.csv --eval-target Angaus_obs --json
`;


/** The largest |difference| between ONNX and trainer probabilities the export may show. */
const PARITY_TOLERANCE = 1e-5;

export async function runHabitat(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(HELP);
    return sub ? 0 : 1;
  }
  try {
    if (sub !== "fit") throw new UsageError(`unknown subcommand "${sub}" (try wt habitat --help)`);
    return await runFit(rest, io);
  } catch (err) {
    io.stderr(`wt habitat: ${(err as Error)?.message ?? String(err)}`);
    return 1;
  }
}

function number(v: string | undefined, name: string, ok: (n: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !ok(n)) throw new UsageError(`--${name} must be ${what} (got "${v}")`);
  return n;
}
const positive = (n: number) => n > 0 && Number.isFinite(n);
const nonNegative = (n: number) => n >= 0 && Number.isFinite(n);
const fraction = (n: number) => n > 0 && n <= 1;
const integer = (lo: number) => (n: number) => Number.isInteger(n) && n >= lo;
const list = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);

async function readTable(path: string, flag: string): Promise<TextTable> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${flag} file not found: ${path}` : `cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
  return parseTable(text, path);
}

/** A numeric column counting rows (1, 2, 3, … or 0, 1, 2, …): a site identifier, never a covariate. */
function isRowNumber(cells: readonly string[]): boolean {
  if (cells.length < 3) return false;
  const first = Number(cells[0]);
  if (first !== 0 && first !== 1) return false;
  return cells.every((c, i) => c.trim() !== "" && Number(c) === first + i);
}

function chooseFeatures(table: TextTable, evalTable: TextTable | undefined, v: Record<string, string | boolean | undefined>, reserved: string[]) {
  const explicit = list(v.features as string | undefined);
  const ignored: Array<{ column: string; reason: string }> = [];
  if (explicit) {
    for (const c of explicit) if (!table.header.includes(c)) throw new UsageError(`--features: no column "${c}" in ${v.input}`);
    return { features: explicit, ignored };
  }
  const excluded = new Set([...(list(v.exclude as string | undefined) ?? []), ...reserved]);
  for (const c of excluded) if (!table.header.includes(c)) throw new UsageError(`no column "${c}" in ${v.input} (columns: ${table.header.join(", ")})`);
  const features: string[] = [];
  table.header.forEach((c, j) => {
    if (excluded.has(c)) return;
    if (isRowNumber(table.columns[j]!)) ignored.push({ column: c, reason: "row number (an identifier)" });
    else if (evalTable && !evalTable.header.includes(c)) ignored.push({ column: c, reason: "not in the --eval file" });
    else features.push(c);
  });
  if (features.length === 0) throw new UsageError("no covariate columns left to model");
  return { features, ignored };
}

function coordinates(table: TextTable, name: string, source: string): Float64Array {
  const j = table.header.indexOf(name);
  if (j < 0) throw new UsageError(`no coordinate column "${name}" in ${source}`);
  return Float64Array.from(table.columns[j]!, (c, i) => numericCell(c, `${source} line ${i + 2}, column "${name}"`));
}

async function runFit(args: string[], io: Io): Promise<number> {
  const parsed = parseFlags(args, {
    input: { type: "string" },
    target: { type: "string" },
    eval: { type: "string" },
    "eval-target": { type: "string" },
    features: { type: "string" },
    exclude: { type: "string" },
    folds: { type: "string" },
    x: { type: "string" },
    y: { type: "string" },
    "block-size": { type: "string" },
    seed: { type: "string" },
    "early-stopping": { type: "string" },
    eta: { type: "string" },
    "max-depth": { type: "string" },
    "max-trees": { type: "string" },
    subsample: { type: "string" },
    colsample: { type: "string" },
    "min-child-weight": { type: "string" },
    lambda: { type: "string" },
    alpha: { type: "string" },
    gamma: { type: "string" },
    "base-score": { type: "string" },
    "save-model": { type: "string" },
  });
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!v.input) throw new UsageError("--input FILE.csv is required (see wt habitat --help)");
  if (!v.target) throw new UsageError("--target COL is required: the presence/absence column");
  if ((v.x === undefined) !== (v.y === undefined)) throw new UsageError("--x and --y go together");
  if (v["block-size"] !== undefined && v.x === undefined) throw new UsageError("--block-size needs coordinates (--x and --y)");
  const k = number(v.folds, "folds", integer(2), "an integer ≥ 2") ?? 10;
  const seed = number(v.seed, "seed", Number.isInteger, "an integer") ?? 1;
  const baseScore = v["base-score"] === undefined || v["base-score"] === "mean" ? "mean" : number(v["base-score"], "base-score", (n) => n > 0 && n < 1, 'a probability in (0, 1) or "mean"')!;
  const overrides: Partial<GbtParams> = {
    eta: number(v.eta, "eta", (n) => n > 0 && n <= 1, "in (0, 1]"),
    maxDepth: number(v["max-depth"], "max-depth", (n) => integer(1)(n) && n <= 16, "an integer from 1 to 16"),
    nTrees: number(v["max-trees"], "max-trees", integer(1), "a positive integer"),
    subsample: number(v.subsample, "subsample", fraction, "in (0, 1]"),
    colsampleByTree: number(v.colsample, "colsample", fraction, "in (0, 1]"),
    minChildWeight: number(v["min-child-weight"], "min-child-weight", nonNegative, "≥ 0"),
    lambda: number(v.lambda, "lambda", nonNegative, "≥ 0"),
    alpha: number(v.alpha, "alpha", nonNegative, "≥ 0"),
    gamma: number(v.gamma, "gamma", nonNegative, "≥ 0"),
  };
  const params = resolveParams({ ...Object.fromEntries(Object.entries(overrides).filter(([, x]) => x !== undefined)), baseScore, seed });
  const earlyStoppingRounds = number(v["early-stopping"], "early-stopping", integer(1), "a positive integer");
  const blockSize = number(v["block-size"], "block-size", positive, "a positive number");

  const table = await readTable(v.input, "--input");
  const evalTable = v.eval ? await readTable(v.eval, "--eval") : undefined;
  if (!table.header.includes(v.target)) throw new UsageError(`no target column "${v.target}" in ${v.input} (columns: ${table.header.join(", ")})`);
  if (v["eval-target"] && !evalTable) throw new UsageError("--eval-target needs --eval FILE");
  const evalTarget = v["eval-target"] ?? v.target;
  if (evalTable && !evalTable.header.includes(evalTarget)) throw new UsageError(`no target column "${evalTarget}" in ${v.eval} (set it with --eval-target)`);
  const reserved = [v.target, ...(v.x ? [v.x, v.y!] : [])];
  const { features, ignored } = chooseFeatures(table, evalTable, v, reserved);
  for (const c of ignored) io.stderr(`wt habitat: left out column "${c.column}": ${c.reason}`);

  const encoding = fitEncoding(table, features);
  const x = encodeTable(encoding, table, v.input);
  const y = binaryTarget(table, v.target, v.input);
  const nPresence = y.reduce((s, t) => s + t, 0);
  if (nPresence === 0 || nPresence === y.length) throw new UsageError(`"${v.target}" is ${nPresence ? "1" : "0"} on every row: a habitat model needs presences and absences`);
  // The eval file is encoded before the (long) fit, so its problems show at once.
  const evalX = evalTable ? encodeTable(encoding, evalTable, v.eval) : undefined;
  const evalY = evalTable ? binaryTarget(evalTable, evalTarget, v.eval) : undefined;
  const folds = v.x
    ? spatialBlockFolds(coordinates(table, v.x, v.input), coordinates(table, v.y!, v.input), k, seed, blockSize ? { blockSize } : {})
    : stratifiedFolds(y, k, seed);

  const { model, cv } = fitHabitat(x, y, folds, params, earlyStoppingRounds ? { earlyStoppingRounds } : {});

  const aucEval = evalX && evalY ? auc(predictMargin(model, evalX), evalY) : null;

  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  const out: Record<string, unknown> = {
    auc_cv: finite(cv.aucMean),
    auc_eval: aucEval === null ? null : finite(aucEval),
    trees: model.trees.length,
    auc_cv_se: finite(cv.aucSe),
    auc_cv_pooled: finite(cv.aucPooled),
    cv_deviance: cv.deviance,
    fold_auc: cv.foldAuc.map(finite),
    folds: k,
    fold_kind: v.x ? "spatial-blocks" : "stratified-random",
    n: x.nRows,
    n_presence: nPresence,
    ...(evalX ? { n_eval: evalX.nRows } : {}),
    features: x.names,
    ignored_columns: ignored.map((c) => c.column),
    params, // nTrees here is the cap; "trees" is what cross-validation chose
  };

  if (v["save-model"]) {
    const saved = await saveHabitatModel(v["save-model"], model, {
      encoding: encoding.columns,
      target: v.target,
      metrics: { auc_cv: out.auc_cv as number | null, auc_eval: out.auc_eval as number | null, cv_deviance: cv.deviance },
    });
    const diff = await onnxParity(saved.onnxPath, model, evalX ? [x, evalX] : [x]);
    if (!(diff <= PARITY_TOLERANCE)) throw new Error(`the exported ONNX model disagrees with the trainer by ${diff} (> ${PARITY_TOLERANCE}): ${saved.onnxPath}`);
    out.model = { onnx: saved.onnxPath, card: saved.cardPath, sha256: saved.card.sha256, onnx_max_abs_diff: diff };
  }

  if (v.json) io.stdout(JSON.stringify(out));
  else {
    const f = (n: unknown) => (typeof n === "number" ? n.toFixed(3) : "n/a");
    io.stdout(`habitat model: ${model.trees.length} trees, ${x.nCols} features, ${x.nRows} sites (${nPresence} presences)`);
    io.stdout(`cross-validated AUC (${k} ${out.fold_kind} folds): ${f(out.auc_cv)} ± ${f(out.auc_cv_se)}`);
    if (evalTable) io.stdout(`AUC on ${v.eval}: ${f(out.auc_eval)}`);
    if (out.model) io.stdout(`saved ${(out.model as { onnx: string }).onnx} and its card`);
  }
  return 0;
}

/** Scores the matrices with onnxruntime; the largest |ONNX − trainer| probability difference. */
async function onnxParity(onnxPath: string, model: GbtModel, matrices: FeatureMatrix[]): Promise<number> {
  // Loaded here only: the native runtime is needed just for --save-model.
  const { loadHabitatModel } = await import("../engine/habitat/onnx-runtime.ts");
  const scorer = await loadHabitatModel(onnxPath);
  try {
    let worst = 0;
    for (const m of matrices) {
      const onnxP = await scorer.score(toRowMajorFloat32(m));
      const ref = predictProba(model, m);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(onnxP[i]! - ref[i]!));
    }
    return worst;
  } finally {
    await scorer.close();
  }
}
