import { describe, expect, it } from 'vitest'
import { render, screen } from '@testing-library/react'
import { ApiProblem, toProblem } from '../lib/api'
import { ProblemAlert, problemHeading } from './ProblemAlert'

describe('problem display', () => {
  it('shows the problem title and detail', () => {
    const p = new ApiProblem(409, { type: 'https://x/problems/conflict', title: 'Conflict', status: 409,
      detail: 'the bulletin for 2026-11 is already published and cannot change' })
    render(<ProblemAlert error={p} />)
    expect(screen.getByRole('alert')).toHaveTextContent('当前状态不允许此操作（409 Conflict）')
    expect(screen.getByRole('alert')).toHaveTextContent('the bulletin for 2026-11 is already published')
  })
  it('lists validation errors by field, without the body prefix', () => {
    const p = new ApiProblem(422, { title: 'Unprocessable Content', status: 422,
      errors: [{ loc: ['body', 'final_expenditure_fen', 'construction'], msg: 'must be ≥ 0', type: 'greater_than_equal' }] })
    expect(ApiProblem.fieldPath(p.errors[0])).toEqual(['final_expenditure_fen', 'construction'])
    render(<ProblemAlert error={p} />)
    expect(screen.getByRole('alert')).toHaveTextContent('final_expenditure_fen.construction：must be ≥ 0')
  })
  it('turns a problem+json response into ApiProblem and a non-JSON error into one too', async () => {
    const res = new Response(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'role street may not do this' }),
      { status: 403, headers: { 'content-type': 'application/problem+json' } })
    const p = await toProblem(res)
    expect(p).toBeInstanceOf(ApiProblem)
    expect(p.status).toBe(403)
    expect(p.detail).toBe('role street may not do this')
    const bad = await toProblem(new Response('upstream exploded', { status: 502, statusText: 'Bad Gateway' }))
    expect(problemHeading(bad)).toBe('服务暂不可用（502 Bad Gateway）')
    expect(bad.detail).toBe('upstream exploded')
  })
  it('shows nothing without an error', () => {
    const { container } = render(<ProblemAlert error={null} />)
    expect(container).toBeEmptyDOMElement()
  })
})
