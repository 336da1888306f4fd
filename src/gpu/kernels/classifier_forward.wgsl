// Logistic-regression classifier, forward pass and loss: one workgroup per row of the
// batch. Each thread sums a strided slice of w · x, the workgroup reduces the partial sums
// in shared memory, and thread 0 writes the row's error p − y (for the update pass) and its
// binary cross-entropy, computed stably from the logit z as max(z, 0) − y·z + log(1 + e^−|z|).
//
// Bindings (the loader's batch layout: README, "Batches on the GPU"):
//   features: f32[rows × dim]   a VECTOR(dim) column, rows packed from byte 0
//   labels:   u32[rows]         a BOOLEAN column, 0 or 1
//   weights:  f32[dim + 1]      the model; weights[dim] is the bias
//   errors:   f32[batchRows]    p − y per row
//   losses:   f32[batchRows]    cross-entropy per row

struct Params {
  rows: u32,
  dim: u32,
  learning_rate: f32,
  _padding: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> features: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> errors: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
@group(0) @binding(6) var<storage, read_write> totals: array<f32>;

const WORKGROUP: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * params.dim;
  var sum = 0.0;
  for (var j = lane; j < params.dim; j += WORKGROUP) {
    sum += weights[j] * features[base + j];
  }
  partial[lane] = sum;
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let z = partial[0] + weights[params.dim];
    let y = f32(labels[row]);
    let p = 1.0 / (1.0 + exp(-z));
    errors[row] = p - y;
    losses[row] = max(z, 0.0) - y * z + log(1.0 + exp(-abs(z)));
  }
}
