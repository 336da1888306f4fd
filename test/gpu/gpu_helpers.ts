/**
 * A WebGPU device for the GPU tests, or a skip with the reason when the machine has no
 * adapter — unless REPLAYDB_REQUIRE_GPU=1 (set by .ci/run after installing Mesa's software
 * Vulkan driver), which turns a missing adapter into a failure.
 */
import type { TestContext } from 'node:test';
import { openWebGPU } from '../../src/gpu/webgpu_device.js';
import { BufferUsage, MapMode, type GPUBufferLike, type GPUComputeDeviceLike } from '../../src/gpu/webgpu_types.js';

let opened: Promise<GPUComputeDeviceLike | string> | undefined;

/** One device per test file; undefined (and the test skipped) when there is none. */
export async function gpuDevice(t: TestContext): Promise<GPUComputeDeviceLike | undefined> {
  opened ??= openWebGPU().then((result) => ('reason' in result ? result.reason : result.device));
  const device = await opened;
  if (typeof device !== 'string') return device;
  if (process.env.REPLAYDB_REQUIRE_GPU === '1') throw new Error(`REPLAYDB_REQUIRE_GPU=1, but there is no WebGPU device: ${device}`);
  t.skip(`skipped: ${device}`);
  return undefined;
}

/** The first `bytes` bytes of a buffer (it needs COPY_SRC usage), copied back to the CPU. */
export async function readBack(device: GPUComputeDeviceLike, buffer: GPUBufferLike, bytes = buffer.size): Promise<Uint8Array> {
  const size = Math.max(4, Math.ceil(bytes / 4) * 4);
  const staging = device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'test readback' });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MapMode.READ);
  const copy = new Uint8Array(staging.getMappedRange().slice(0, bytes));
  staging.unmap();
  staging.destroy();
  return copy;
}
