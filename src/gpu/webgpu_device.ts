/**
 * Finds a WebGPU device for the examples, tests and benchmarks: the `webgpu` package (Dawn
 * for Node) when it is installed, on whatever adapter the machine has — a real GPU, or
 * Mesa's lavapipe software Vulkan driver on a machine without one. The library itself never
 * needs this: toWebGPU() takes any device the caller made.
 */
import type { GPUComputeDeviceLike } from './webgpu_types.js';

export interface OpenedDevice {
  device: GPUComputeDeviceLike;
  /** The adapter, as "vendor architecture device (description)". */
  adapter: string;
  /** True for a CPU (software) adapter. */
  software: boolean;
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

interface WebGPUPackage {
  create(flags: string[]): { requestAdapter(options?: unknown): Promise<null | { info?: AdapterInfo; requestDevice(descriptor?: unknown): Promise<unknown> }> };
  globals: Record<string, unknown>;
}

const instances = new WeakMap<object, unknown>();

/** A device, or the reason there is none (no `webgpu` package, or no adapter: no GPU and no Vulkan driver). */
export async function openWebGPU(): Promise<OpenedDevice | { reason: string }> {
  let gpu: WebGPUPackage;
  try {
    const specifier = 'webgpu';
    gpu = (await import(specifier)) as WebGPUPackage;
  } catch (error) {
    return { reason: `the webgpu package does not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  for (const [name, value] of Object.entries(gpu.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  // Dawn's device needs its GPU instance alive (its events are processed through it), so
  // the instance lives as long as the device.
  const instance = gpu.create([]);
  const adapter = await instance.requestAdapter();
  if (!adapter) return { reason: 'no WebGPU adapter (no GPU, and no Vulkan driver such as Mesa lavapipe)' };
  const info = adapter.info ?? {};
  const device = (await adapter.requestDevice()) as GPUComputeDeviceLike;
  instances.set(device, instance);
  const name = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') + (info.description ? ` (${info.description})` : '');
  const software = /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(`${info.description ?? ''} ${info.device ?? ''} ${info.architecture ?? ''}`);
  return { device, adapter: name || 'unknown adapter', software };
}
