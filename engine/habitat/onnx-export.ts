// The ensemble as an ONNX graph: features (float32) → Cast to double → ai.onnx.ml
// TreeEnsembleRegressor (opset 3) summing the trees into the margin → Sigmoid → probability.
// Encoded with the onnx-proto protobuf classes.
//
// Why it equals the trainer to float32 output rounding: the trainer compares float32-rounded inputs
// with float32-representable thresholds. The tensor-valued attributes of opset 3
// (nodes_values_as_tensor, target_weights_as_tensor, base_values_as_tensor) carry thresholds, leaf
// values and the base margin as doubles, and onnxruntime honours double attributes only for a double
// input — hence the Cast, which is exact. The runtime then compares (double)x < threshold exactly as
// the trainer does and sums the leaves in double (float32 sums would drift by ~1e-6 over thousands of
// trees); only the float32 margin output and the float32 Sigmoid round.
import onnxProto from "onnx-proto";
import type { GbtModel } from "./gbt-model.ts";

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

export const INPUT_NAME = "features";
export const PROBABILITY_OUTPUT = "probability";
export const MARGIN_OUTPUT = "margin";
export const OPSET = { default: 13, ml: 3 } as const;
/** ONNX IR version of the onnx-proto schema (ONNX 1.10): what onnxruntime checks the file against. */
export const IR_VERSION = 8;

const utf8 = (s: string) => new TextEncoder().encode(s);

const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: AT.INTS, ints: v });
const strings = (name: string, v: string[]): onnxProto.onnx.IAttributeProto => ({ name, type: AT.STRINGS, strings: v.map(utf8) });
const string = (name: string, v: string): onnxProto.onnx.IAttributeProto => ({ name, type: AT.STRING, s: utf8(v) });
const int = (name: string, v: number): onnxProto.onnx.IAttributeProto => ({ name, type: AT.INT, i: v });
const doubles = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: AT.TENSOR,
  t: { dims: [v.length], dataType: DT.DOUBLE, doubleData: v },
});

/** The TreeEnsembleRegressor attributes of a model: one entry per node, tree ids local node ids. */
export function treeEnsembleAttributes(model: GbtModel): onnxProto.onnx.IAttributeProto[] {
  const n = { tree: [] as number[], node: [] as number[], feature: [] as number[], mode: [] as string[], value: [] as number[], yes: [] as number[], no: [] as number[], missingYes: [] as number[] };
  const t = { tree: [] as number[], node: [] as number[], id: [] as number[], weight: [] as number[] };
  // ONNX needs at least one tree: an ensemble with none is a single leaf worth 0.
  const trees = model.trees.length > 0 ? model.trees : [{ feature: Int32Array.of(-1), threshold: Float32Array.of(0), left: Int32Array.of(-1), right: Int32Array.of(-1), defaultLeft: Uint8Array.of(0), value: Float32Array.of(0) }];
  trees.forEach((tree, ti) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i]! < 0;
      n.tree.push(ti);
      n.node.push(i);
      n.feature.push(leaf ? 0 : tree.feature[i]!);
      n.mode.push(leaf ? "LEAF" : "BRANCH_LT"); // x < threshold is the "true" branch: left, as in XGBoost
      n.value.push(leaf ? 0 : tree.threshold[i]!);
      n.yes.push(leaf ? 0 : tree.left[i]!);
      n.no.push(leaf ? 0 : tree.right[i]!);
      n.missingYes.push(leaf ? 0 : tree.defaultLeft[i]!);
      if (leaf) {
        t.tree.push(ti);
        t.node.push(i);
        t.id.push(0);
        t.weight.push(tree.value[i]!);
      }
    }
  });
  return [
    int("n_targets", 1),
    string("aggregate_function", "SUM"),
    string("post_transform", "NONE"),
    doubles("base_values_as_tensor", [model.baseMargin]),
    ints("nodes_treeids", n.tree),
    ints("nodes_nodeids", n.node),
    ints("nodes_featureids", n.feature),
    strings("nodes_modes", n.mode),
    doubles("nodes_values_as_tensor", n.value),
    ints("nodes_truenodeids", n.yes),
    ints("nodes_falsenodeids", n.no),
    ints("nodes_missing_value_tracks_true", n.missingYes),
    ints("target_treeids", t.tree),
    ints("target_nodeids", t.node),
    ints("target_ids", t.id),
    doubles("target_weights_as_tensor", t.weight),
  ];
}

function tensorValue(name: string, dims: Array<number | string>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export interface ExportOptions {
  /** Model version written into the file (default 1). */
  modelVersion?: number;
  docString?: string;
  producerVersion?: string;
}

/** Serialises the model: input "features" float32 [N, F]; outputs "probability" and "margin", float32 [N, 1]. */
export function exportOnnx(model: GbtModel, opts: ExportOptions = {}): Uint8Array {
  const nFeatures = model.featureNames.length;
  const graph: onnxProto.onnx.IGraphProto = {
    name: "habitat_gbt",
    node: [
      { name: "to_double", opType: "Cast", domain: "", input: [INPUT_NAME], output: ["features_f64"], attribute: [int("to", DT.DOUBLE)] },
      { name: "trees", opType: "TreeEnsembleRegressor", domain: "ai.onnx.ml", input: ["features_f64"], output: [MARGIN_OUTPUT], attribute: treeEnsembleAttributes(model) },
      { name: "logistic", opType: "Sigmoid", domain: "", input: [MARGIN_OUTPUT], output: [PROBABILITY_OUTPUT] },
    ],
    input: [tensorValue(INPUT_NAME, ["N", nFeatures])],
    output: [tensorValue(PROBABILITY_OUTPUT, ["N", 1]), tensorValue(MARGIN_OUTPUT, ["N", 1])],
  };
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: "wildlife-tracker habitat",
    producerVersion: opts.producerVersion ?? "1",
    modelVersion: opts.modelVersion ?? 1,
    docString: opts.docString ?? "Gradient-boosted trees (logistic loss) for presence/absence: P(presence | features).",
    opsetImport: [
      { domain: "", version: OPSET.default },
      { domain: "ai.onnx.ml", version: OPSET.ml },
    ],
    metadataProps: [{ key: "feature_names", value: JSON.stringify(model.featureNames) }],
    graph,
  };
  // slice(): the writer's bytes may be a view into a shared pool; the caller gets its own buffer.
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish().slice();
}
