import { useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { mockFetch, renderWithProviders } from '../test-utils'
import { CursorTable } from './CursorTable'

interface Row { key: string; kind: string }

describe('a table paged on the server by cursor', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('asks for one page at a time with its filters, follows next_cursor and goes back, and restarts when the filter changes', async () => {
    const params = (url: string) => new URL(url, 'http://x').searchParams
    const sent = mockFetch({ 'GET /api/registry/api/v1/deadlines': (s) => params(s.url).get('cursor') === 'k2'
      ? { json: { items: [{ key: 'k3', kind: '第二页' }], next_cursor: null } }
      : { json: { items: [{ key: 'k1', kind: `第一页 ${params(s.url).get('project_id')}` }], next_cursor: 'k2' } } })
    function Harness() {
      const [projectId, setProjectId] = useState('p1')
      return (
        <>
          <button onClick={() => setProjectId('p2')}>换项目</button>
          <CursorTable<Row> service="registry" path="/deadlines" query={{ project_id: projectId }} rowKey="key" pageSize={10}
            columns={[{ title: '期限', dataIndex: 'kind' }]} />
        </>
      )
    }
    renderWithProviders(<Harness />)
    expect(await screen.findByText('第一页 p1')).toBeInTheDocument()
    expect(Object.fromEntries(params(sent[0].url))).toEqual({ project_id: 'p1', limit: '10' })
    expect(screen.getByRole('button', { name: '上一页' })).toBeDisabled()
    await userEvent.click(screen.getByRole('button', { name: '下一页' }))
    expect(await screen.findByText('第二页')).toBeInTheDocument()
    expect(screen.getByText('第 2 页')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: '下一页' })).toBeDisabled()
    await userEvent.click(screen.getByRole('button', { name: '上一页' }))
    expect(await screen.findByText('第一页 p1')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: '下一页' }))
    expect(await screen.findByText('第二页')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: '换项目' })) // a new filter starts again at the first page
    expect(await screen.findByText('第一页 p2')).toBeInTheDocument()
    await waitFor(() => expect(screen.getByText('第 1 页')).toBeInTheDocument())
    expect(params(sent[sent.length - 1].url).get('cursor')).toBeNull()
    expect(sent.filter((s) => params(s.url).get('project_id') === 'p2').map((s) => params(s.url).get('cursor'))).toEqual([null])
  })
})
