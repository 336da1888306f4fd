/**
 * The slice of the WebGPU API replaydb uses, as structural types, so that the library
 * needs neither a WebGPU implementation nor its type package: pass any GPUDevice (the
 * `webgpu` npm package's Dawn, a browser's, Deno's) and it fits. Flag values are the
 * WebGPU specification's.
 */

export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  INDEX: 0x0010,
  VERTEX: 0x0020,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

export interface GPUBufferLike {
  readonly size: number;
  readonly usage: number;
  readonly mapState: string;
  label: string;
  mapAsync(mode: number, offset?: number, size?: number): Promise<unknown>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): unknown;
  destroy(): unknown;
}

export interface GPUCommandEncoderLike {
  copyBufferToBuffer(source: GPUBufferLike, sourceOffset: number, destination: GPUBufferLike, destinationOffset: number, size: number): unknown;
  finish(descriptor?: { label?: string }): unknown;
}

export interface GPUQueueLike {
  submit(commandBuffers: Iterable<unknown>): unknown;
  writeBuffer(buffer: GPUBufferLike, bufferOffset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): unknown;
  onSubmittedWorkDone(): Promise<unknown>;
}

export interface GPUDeviceLike {
  readonly queue: GPUQueueLike;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GPUBufferLike;
  createCommandEncoder(descriptor?: { label?: string }): GPUCommandEncoderLike;
  destroy(): unknown;
}

export const ShaderStage = { VERTEX: 0x1, FRAGMENT: 0x2, COMPUTE: 0x4 } as const;

/** The compute subset the training example uses. */
export interface GPUComputePassLike {
  setPipeline(pipeline: unknown): unknown;
  setBindGroup(index: number, bindGroup: unknown): unknown;
  dispatchWorkgroups(x: number, y?: number, z?: number): unknown;
  end(): unknown;
}

export interface GPUComputeEncoderLike extends GPUCommandEncoderLike {
  beginComputePass(descriptor?: { label?: string }): GPUComputePassLike;
}

export interface GPUComputeDeviceLike extends GPUDeviceLike {
  createCommandEncoder(descriptor?: { label?: string }): GPUComputeEncoderLike;
  createShaderModule(descriptor: { code: string; label?: string }): unknown;
  createBindGroupLayout(descriptor: {
    label?: string;
    entries: { binding: number; visibility: number; buffer: { type: 'uniform' | 'storage' | 'read-only-storage' } }[];
  }): unknown;
  createPipelineLayout(descriptor: { label?: string; bindGroupLayouts: any[] }): unknown;
  createComputePipeline(descriptor: { label?: string; layout: any; compute: { module: any; entryPoint: string } }): unknown;
  createBindGroup(descriptor: { label?: string; layout: any; entries: { binding: number; resource: { buffer: any; offset?: number; size?: number } }[] }): unknown;
}
