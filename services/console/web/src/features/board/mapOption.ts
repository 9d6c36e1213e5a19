import type { EChartsCoreOption } from '../../lib/echarts'
import { RAG, RAG_COLOR } from '../../lib/labels'

export type Rag = 'red' | 'amber' | 'green'
export interface BoardRow {
  project_id: string
  name: string
  street_code: string
  type: string
  target_level: string
  state: string
  accepted_level: string | null
  approved_on: string | null
  creation_deadline: string | null
  task_year: number | null
  next_node: { kind: string; title: string; due_on: string } | null
  days_left: number | null
  rag: Rag
}
export interface CommunityLite { id: string; name: string; street_code: string; location?: { lat: number; lon: number } | null }
export interface ProjectLite { id: string; community_ids: string[] }

export interface MapPoint {
  community_id: string
  name: string
  lat: number
  lon: number
  rag: Rag
  projects: string[]
}

const WORST: Record<Rag, number> = { red: 3, amber: 2, green: 1 }

/** One point per located community on the board: coloured by the worst red/amber/green of its projects shown. */
export function boardMapPoints(communities: CommunityLite[], projects: ProjectLite[], rows: BoardRow[]): MapPoint[] {
  const communitiesOf = new Map(projects.map((p) => [p.id, p.community_ids]))
  const byCommunity = new Map<string, { rag: Rag; projects: string[] }>()
  for (const row of rows) {
    for (const cid of communitiesOf.get(row.project_id) ?? []) {
      const cur = byCommunity.get(cid)
      if (!cur) byCommunity.set(cid, { rag: row.rag, projects: [row.name] })
      else {
        cur.projects.push(row.name)
        if (WORST[row.rag] > WORST[cur.rag]) cur.rag = row.rag
      }
    }
  }
  const points: MapPoint[] = []
  for (const c of communities) {
    const hit = byCommunity.get(c.id)
    if (!hit || !c.location) continue
    points.push({ community_id: c.id, name: c.name, lat: c.location.lat, lon: c.location.lon, ...hit })
  }
  return points
}

/** The map: points by longitude/latitude; on a district boundary (GeoJSON registered as "district") when there is one. */
export function boardMapOption(points: MapPoint[], withBoundary: boolean): EChartsCoreOption {
  const series = (['red', 'amber', 'green'] as Rag[]).map((rag) => ({
    name: RAG[rag],
    type: 'scatter',
    coordinateSystem: withBoundary ? 'geo' : 'cartesian2d',
    symbolSize: 14,
    itemStyle: { color: RAG_COLOR[rag], borderColor: '#fff', borderWidth: 1 },
    data: points.filter((p) => p.rag === rag).map((p) => ({
      name: p.name, value: [p.lon, p.lat], community_id: p.community_id, projects: p.projects,
    })),
  }))
  const tooltip = {
    trigger: 'item',
    formatter: (p: { data: { name: string; projects: string[] }; seriesName: string }) =>
      `${p.data.name}（${p.seriesName}）<br/>${p.data.projects.join('<br/>')}`,
  }
  const base = { tooltip, legend: { top: 0, data: series.map((s) => s.name) }, series, animation: false }
  if (withBoundary) {
    return { ...base, geo: { map: 'district', roam: true, itemStyle: { areaColor: '#f5f7fa', borderColor: '#8c8c8c' } } }
  }
  // Axes hug the points (at least 0.05° around them), so one community is not drawn on a continent-wide grid.
  const span = (values: number[]) => {
    if (!values.length) return {}
    const lo = Math.min(...values), hi = Math.max(...values), pad = Math.max((hi - lo) * 0.1, 0.05)
    return { min: +(lo - pad).toFixed(2), max: +(hi + pad).toFixed(2) }
  }
  return {
    ...base,
    grid: { left: 48, right: 16, top: 36, bottom: 36 },
    xAxis: { type: 'value', scale: true, name: '经度', ...span(points.map((p) => p.lon)),
             axisLabel: { formatter: (v: number) => v.toFixed(2) } },
    yAxis: { type: 'value', scale: true, name: '纬度', ...span(points.map((p) => p.lat)),
             axisLabel: { formatter: (v: number) => v.toFixed(2) } },
  }
}
