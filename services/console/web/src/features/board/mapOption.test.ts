import { describe, expect, it } from 'vitest'
import type { BoardRow } from './mapOption'
import { boardMapOption, boardMapPoints } from './mapOption'

const row = (project_id: string, rag: BoardRow['rag']): BoardRow => ({ project_id, name: `项目${project_id}`, street_code: 'S01',
  type: 'renovation', target_level: 'city', state: 'approved', accepted_level: null, approved_on: null, creation_deadline: null,
  task_year: null, next_node: null, days_left: null, rag })

describe('board map', () => {
  it('colours each community by the worst of its projects and skips unlocated or unlisted ones', () => {
    const communities = [
      { id: 'a', name: '甲', street_code: 'S01', location: { lat: 30.1, lon: 120.1 } },
      { id: 'b', name: '乙', street_code: 'S01', location: null },
      { id: 'c', name: '丙', street_code: 'S01', location: { lat: 30.2, lon: 120.2 } },
    ]
    const projects = [{ id: 'p1', community_ids: ['a'] }, { id: 'p2', community_ids: ['a', 'b'] }]
    const points = boardMapPoints(communities, projects, [row('p1', 'green'), row('p2', 'red')])
    expect(points).toEqual([{ community_id: 'a', name: '甲', lat: 30.1, lon: 120.1, rag: 'red', projects: ['项目p1', '项目p2'] }])
  })
  it('puts points at [lon, lat] in one series per colour, on plain axes without a boundary', () => {
    const option = boardMapOption([{ community_id: 'a', name: '甲', lat: 30.1, lon: 120.1, rag: 'amber', projects: [] }], false) as {
      series: { name: string; coordinateSystem: string; data: { value: number[] }[] }[]; xAxis: unknown }
    expect(option.series.map((s) => s.name)).toEqual(['红', '黄', '绿'])
    expect(option.series[1].data[0].value).toEqual([120.1, 30.1])
    expect(option.series[1].coordinateSystem).toBe('cartesian2d')
    expect(option.xAxis).toBeDefined()
    const geo = boardMapOption([], true) as { geo: { map: string }; series: { coordinateSystem: string }[] }
    expect(geo.geo.map).toBe('district')
    expect(geo.series[0].coordinateSystem).toBe('geo')
  })
})
