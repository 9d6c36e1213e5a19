import type { EChartsCoreOption } from '../../lib/echarts'

export interface RankingEntry { street_code: string; rank: number; score: number; components?: Record<string, number>; inputs?: Record<string, unknown> }
export interface Bulletin { month: string; published_at: string; ranking: RankingEntry[] }

/** The month's ranking as horizontal bars, best at the top. */
export function rankingOption(b: Bulletin, streetName: (c: string) => string): EChartsCoreOption {
  const rows = [...b.ranking].sort((x, y) => y.rank - x.rank)
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 120, right: 40, top: 30, bottom: 30 },
    xAxis: { type: 'value', name: '得分' },
    yAxis: { type: 'category', data: rows.map((r) => `${r.rank}. ${streetName(r.street_code)}`) },
    series: [{ type: 'bar', name: '得分', data: rows.map((r) => Number(r.score.toFixed(2))), label: { show: true, position: 'right' },
      itemStyle: { color: '#1668dc' } }],
  }
}

/** Each street's rank over the months (rank 1 on top). */
export function trendOption(bulletins: Bulletin[], streetName: (c: string) => string): EChartsCoreOption {
  const months = [...bulletins].sort((a, b) => a.month.localeCompare(b.month))
  const streets = [...new Set(months.flatMap((b) => b.ranking.map((r) => r.street_code)))].sort()
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: streets.map(streetName) },
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: months.map((b) => b.month) },
    yAxis: { type: 'value', inverse: true, min: 1, minInterval: 1, name: '排名' },
    series: streets.map((code) => ({
      type: 'line', name: streetName(code),
      data: months.map((b) => b.ranking.find((r) => r.street_code === code)?.rank ?? null),
    })),
  }
}
