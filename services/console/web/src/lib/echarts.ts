// ECharts, tree-shaken: only the charts and components the console draws are bundled (echarts/core + use()).
// A chart that needs another series type or component registers it here; src/lib/echarts.test.ts renders
// every option the console builds and fails if one uses something not registered.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, ScatterChart } from 'echarts/charts'
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, ScatterChart, GeoComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export { echarts }
export type { ECharts, EChartsCoreOption } from 'echarts/core'
