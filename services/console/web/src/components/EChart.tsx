import { useEffect, useRef } from 'react'
import { echarts } from '../lib/echarts'
import type { ECharts, EChartsCoreOption } from '../lib/echarts'

/** Draws one ECharts option (built by a pure function elsewhere) and keeps it in step with the data. */
export function EChart({ option, height = 360, onClick, testId }: {
  option: EChartsCoreOption
  height?: number | string
  onClick?: (params: unknown) => void
  testId?: string
}) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<ECharts | null>(null)
  useEffect(() => {
    if (!el.current) return
    chart.current = echarts.init(el.current, undefined, { renderer: 'canvas' })
    const resize = () => chart.current?.resize()
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      chart.current?.dispose()
      chart.current = null
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption(option, true)
  }, [option])
  useEffect(() => {
    if (!chart.current || !onClick) return
    chart.current.on('click', onClick)
    return () => { chart.current?.off('click', onClick) }
  }, [onClick])
  return <div ref={el} style={{ width: '100%', height }} data-testid={testId} role="img" />
}
