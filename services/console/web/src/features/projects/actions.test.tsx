import { describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/react'
import { ProjectActions } from './ProjectActions'
import { actionsFor, transitionBody } from './actions'
import type { Project } from './api'

function project(state: string, allowed: string[]): Project {
  return { id: 'p1', name: '测试项目', state, type: 'renovation', target_level: 'city', street_code: 'S01',
    community_ids: ['c1'], area_ha: 20, life_circle_minutes: 15, creation_period_months: 12, created_on: '2026-01-05',
    version: 3, warnings: [], allowed_actions: allowed }
}

describe('lifecycle actions', () => {
  it('offers exactly what the API allows this caller, in its order', () => {
    expect(actionsFor(['select', 'reject', 'withdraw']).map((a) => a.spec.label)).toEqual(['择优入选', '不予入选', '撤回'])
    expect(actionsFor([])).toEqual([])
  })
  it('renders a button per allowed action: the office sees select, the street of an applied project nothing', () => {
    const { unmount } = render(<ProjectActions project={project('applied', ['select', 'reject', 'withdraw'])} onChanged={vi.fn()} />)
    expect(screen.getByRole('button', { name: '择优入选' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: '不予入选' })).toBeInTheDocument()
    unmount()
    render(<ProjectActions project={project('applied', [])} onChanged={vi.fn()} />)
    expect(screen.queryByRole('button')).toBeNull()
    expect(screen.getByText('当前无可执行的操作')).toBeInTheDocument()
  })
  it('gives an action the console does not know yet a plain form, not a missing button', () => {
    render(<ProjectActions project={project('approved', ['suspend'])} onChanged={vi.fn()} />)
    expect(screen.getByRole('button', { name: 'suspend' })).toBeInTheDocument()
  })
  it('asks for every field the registry requires of approve, decline, reschedule and name', () => {
    const required = (name: string) => actionsFor([name])[0].spec.fields.filter((f) => f.required).map((f) => f.name)
    expect(required('approve')).toEqual(['on', 'level', 'reference'])
    expect(required('decline')).toEqual(['on', 'level', 'reference'])
    expect(required('reschedule')).toEqual(['creation_deadline', 'note'])
    expect(required('name')).toEqual(['on', 'level'])
  })
  it('builds the transition body with dates as YYYY-MM-DD and no empty fields', () => {
    const day = { format: (f: string) => (f === 'YYYY-MM-DD' ? '2026-11-20' : '?') }
    expect(transitionBody('approve', { on: day, level: 'city', reference: '市〔2026〕1号', task_year: '2027', note: '' }))
      .toEqual({ action: 'approve', on: '2026-11-20', level: 'city', reference: '市〔2026〕1号', task_year: 2027 })
    expect(transitionBody('reschedule', { creation_deadline: day, note: '用地调整' }))
      .toEqual({ action: 'reschedule', creation_deadline: '2026-11-20', note: '用地调整' })
    expect(transitionBody('reject', { note: '不符合条件' })).toEqual({ action: 'reject', note: '不符合条件' })
  })
})
