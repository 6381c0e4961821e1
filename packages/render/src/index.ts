export type { ImageFormat, RenderedImage } from './surface.js';
export { colormap, type ColormapName } from './colormap.js';
export {
  renderImageGrid,
  renderFilterGrid,
  renderFeatureMaps,
  renderInputImage,
  type ValueRange,
  type ImageGridOptions,
  type FilterGridOptions,
  type FeatureMapOptions,
  type InputImageOptions,
} from './grid.js';
export {
  renderHistogram,
  histogram,
  meanStd,
  type HistogramOptions,
  type HistogramSeries,
} from './histogram.js';
export {
  renderLineChart,
  renderLearningCurves,
  type CurveSeries,
  type LineChartOptions,
  type LearningCurveOptions,
  type HistoryRecord,
} from './line-chart.js';
export {
  renderArchitecture,
  formatShape,
  type ArchitectureLayer,
  type ArchitectureOptions,
} from './architecture.js';
export { renderConfusionMatrix, type ConfusionMatrixOptions } from './confusion-matrix.js';
export { benchmarkRenders, type RenderBenchmark } from './bench.js';
