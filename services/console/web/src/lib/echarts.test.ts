import { afterEach, describe, expect, it, vi } from 'vitest'
import { SVGRenderer } from 'echarts/renderers'
import type { EChartsCoreOption } from './echarts'
import { echarts } from './echarts'
import { boardMapOption } from '../features/board/mapOption'
import { rankingOption, trendOption } from '../features/bulletins/charts'

// jsdom has no canvas: draw each option server-side as SVG with the charts and components src/lib/echarts.ts
// registers (the SVG renderer is added here only). ECharts reports a series type or component that was not
// imported through console.error/warn, so any such message fails the test.
echarts.use([SVGRenderer])
// …and text is measured without a canvas too (a fixed width per character is enough to lay out).
echarts.setPlatformAPI({ measureText: (text: string) => ({ width: text.length * 12 }) })

function draw(option: EChartsCoreOption): { svg: string; complaints: string[] } {
  const complaints: string[] = []
  const spy = (...args: unknown[]) => { complaints.push(args.map(String).join(' ')) }
  const err = vi.spyOn(console, 'error').mockImplementation(spy)
  const warn = vi.spyOn(console, 'warn').mockImplementation(spy)
  const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: 600, height: 400 })
  try {
    chart.setOption(option)
    return { svg: chart.renderToSVGString(), complaints }
  } finally {
    chart.dispose()
    err.mockRestore()
    warn.mockRestore()
  }
}

const square = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: '区' },
  geometry: { type: 'Polygon', coordinates: [[[120, 30], [120.3, 30], [120.3, 30.3], [120, 30.3], [120, 30]]] } }] }
const bulletin = { month: '2026-10', published_at: '2026-11-01T00:00:00Z', ranking: [
  { street_code: 'S01', rank: 1, score: 91.5 }, { street_code: 'S02', rank: 2, score: 80.25 }] }
const name = (c: string) => `街道${c}`

describe('tree-shaken ECharts', () => {
  afterEach(() => vi.restoreAllMocks())

  it('draws every chart the console builds with only what src/lib/echarts.ts imports', () => {
    echarts.registerMap('district', square as never)
    const point = { community_id: 'a', name: '甲', lat: 30.1, lon: 120.1, rag: 'red' as const, projects: ['项目一'] }
    for (const option of [boardMapOption([point], false), boardMapOption([point], true),
      rankingOption(bulletin, name), trendOption([bulletin, { ...bulletin, month: '2026-09' }], name)]) {
      const { svg, complaints } = draw(option)
      expect(complaints).toEqual([])
      expect(svg).toContain('<path')
    }
  })

  it('complains about a series type that is not imported (so the check above can fail)', () => {
    const { complaints } = draw({ series: [{ type: 'pie', data: [{ name: '甲', value: 1 }] }] })
    expect(complaints.join('\n')).toMatch(/pie/)
  })
})
