/**
 * The training example: a logistic-regression classifier trained entirely in WGSL on
 * batches the dataloader delivers with toWebGPU() — forward pass and loss
 * (kernels/classifier_forward.wgsl), gradient and SGD update (kernels/classifier_update.wgsl).
 * The host only binds each batch's storage buffers, dispatches, and reads the summed loss
 * back once per epoch. It runs unchanged on a software adapter (Mesa lavapipe) and a real GPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../native.js';
import type { WebGPUBatch } from './webgpu_batches.js';
import { BufferUsage, MapMode, ShaderStage, type GPUBufferLike, type GPUComputeDeviceLike } from './webgpu_types.js';

export interface ClassifierOptions {
  /** Features per row: the n of the VECTOR(n) column. */
  dimension: number;
  /** Rows of the largest batch. */
  batchRows: number;
  learningRate?: number;
}

/** Reads a WGSL kernel shipped in src/gpu/kernels. */
export function kernelSource(name: string): string {
  return readFileSync(join(packageRoot(), 'src', 'gpu', 'kernels', name), 'utf8');
}

export class LogisticRegressionTrainer {
  private readonly params: GPUBufferLike;
  private readonly weights: GPUBufferLike;
  private readonly errors: GPUBufferLike;
  private readonly losses: GPUBufferLike;
  private readonly totals: GPUBufferLike;
  private readonly readback: GPUBufferLike;
  private readonly layout: unknown;
  private readonly forward: unknown;
  private readonly update: unknown;
  private readonly paramBytes = new ArrayBuffer(16);
  private readonly learningRate: number;

  constructor(
    private readonly device: GPUComputeDeviceLike,
    private readonly options: ClassifierOptions,
  ) {
    this.learningRate = options.learningRate ?? 0.5;
    const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    this.params = device.createBuffer({ size: 16, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'classifier params' });
    this.weights = device.createBuffer({ size: 4 * (options.dimension + 1), usage: storage, label: 'classifier weights' });
    this.errors = device.createBuffer({ size: 4 * options.batchRows, usage: storage, label: 'classifier errors' });
    this.losses = device.createBuffer({ size: 4 * options.batchRows, usage: storage, label: 'classifier losses' });
    this.totals = device.createBuffer({ size: 8, usage: storage, label: 'classifier loss totals' });
    this.readback = device.createBuffer({ size: 8, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'classifier readback' });
    const kinds = ['uniform', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'storage', 'storage'] as const;
    this.layout = device.createBindGroupLayout({
      label: 'classifier',
      entries: kinds.map((type, binding) => ({ binding, visibility: ShaderStage.COMPUTE, buffer: { type } })),
    });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    this.forward = device.createComputePipeline({
      label: 'classifier forward',
      layout: pipelineLayout,
      compute: { module: device.createShaderModule({ code: kernelSource('classifier_forward.wgsl'), label: 'classifier_forward.wgsl' }), entryPoint: 'forward' },
    });
    this.update = device.createComputePipeline({
      label: 'classifier update',
      layout: pipelineLayout,
      compute: { module: device.createShaderModule({ code: kernelSource('classifier_update.wgsl'), label: 'classifier_update.wgsl' }), entryPoint: 'update' },
    });
  }

  /**
   * One SGD step on a batch: `features` names its VECTOR(dimension) column, `labels` its
   * BOOLEAN column. Submits the work; the batch may be released right after.
   */
  step(batch: WebGPUBatch, features: string, labels: string): void {
    const featureBuffer = batch.buffers[features];
    const labelBuffer = batch.buffers[labels];
    if (!featureBuffer || !labelBuffer) throw new Error(`the batch has no column "${!featureBuffer ? features : labels}"`);
    const view = new DataView(this.paramBytes);
    view.setUint32(0, batch.size, true);
    view.setUint32(4, this.options.dimension, true);
    view.setFloat32(8, this.learningRate, true);
    this.device.queue.writeBuffer(this.params, 0, this.paramBytes);
    const bindGroup = this.device.createBindGroup({
      layout: this.layout,
      entries: [this.params, featureBuffer, labelBuffer, this.weights, this.errors, this.losses, this.totals].map((buffer, binding) => ({
        binding,
        resource: { buffer },
      })),
    });
    const encoder = this.device.createCommandEncoder({ label: 'classifier step' });
    const pass = encoder.beginComputePass({ label: 'classifier step' });
    pass.setBindGroup(0, bindGroup);
    pass.setPipeline(this.forward);
    pass.dispatchWorkgroups(batch.size);
    pass.setPipeline(this.update);
    pass.dispatchWorkgroups(Math.ceil((this.options.dimension + 1) / 64));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** The mean loss over the rows trained since the last call, and how many; resets the totals. */
  async takeLoss(): Promise<{ loss: number; rows: number }> {
    const encoder = this.device.createCommandEncoder({ label: 'classifier loss readback' });
    encoder.copyBufferToBuffer(this.totals, 0, this.readback, 0, 8);
    this.device.queue.submit([encoder.finish()]);
    this.device.queue.writeBuffer(this.totals, 0, new Float32Array(2));
    await this.readback.mapAsync(MapMode.READ);
    const [sum, rows] = new Float32Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    return { loss: rows! > 0 ? sum! / rows! : NaN, rows: rows! };
  }

  destroy(): void {
    for (const buffer of [this.params, this.weights, this.errors, this.losses, this.totals, this.readback]) buffer.destroy();
  }
}
