// Logistic-regression classifier, backward pass and update: one thread per weight (the
// last one is the bias). The gradient of the mean cross-entropy is mean over rows of
// (p − y)·x_j, and SGD moves the weight against it. Global thread 0 also adds the batch's
// losses to the running totals (sum, rows) that the host reads once per epoch.
//
// Bindings as in classifier_forward.wgsl.

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

@compute @workgroup_size(64)
fn update(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  if (j > params.dim) {
    return;
  }
  var gradient = 0.0;
  if (j == params.dim) {
    for (var row = 0u; row < params.rows; row++) {
      gradient += errors[row];
    }
  } else {
    for (var row = 0u; row < params.rows; row++) {
      gradient += errors[row] * features[row * params.dim + j];
    }
  }
  weights[j] -= params.learning_rate * gradient / f32(params.rows);
  if (j == 0u) {
    var sum = 0.0;
    for (var row = 0u; row < params.rows; row++) {
      sum += losses[row];
    }
    totals[0] += sum;
    totals[1] += f32(params.rows);
  }
}
