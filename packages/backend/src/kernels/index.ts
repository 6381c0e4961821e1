export { conv2dFilterGradient, conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
export { conv2dInputGradient, conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from './register-wasm-kernels.js';
