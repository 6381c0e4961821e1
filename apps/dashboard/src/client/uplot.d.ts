/**
 * uPlot as the browser loads it: `/static/uplot.js` is the installed package's ESM build, served
 * by the dashboard (chart-routes.ts). This declaration gives the import './uplot.js' its types.
 */
export { default } from 'uplot';
