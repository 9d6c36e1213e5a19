import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { mockFetch, renderWithProviders } from '../../test-utils'
import { Subscriptions } from './IntegrationsPage'

const sub = { id: 'sub_1', url: 'https://city.example.gov.cn/hook', event_types: [], description: '市级平台', status: 'active',
  disabled_reason: null, created_at: '2026-11-01T02:00:00Z' }
const list = '/api/notify/api/v1/subscriptions'
/** The row's 删除 (the confirmation, once opened, has a 删除 of its own). */
const rowDelete = () => waitFor(() => within(document.querySelector('.ant-table') as HTMLElement).getByRole('button', { name: '删除' }))
const confirmDelete = () => waitFor(() => {
  const b = [...document.querySelectorAll<HTMLElement>('.ant-popconfirm-buttons button')].find((x) => x.textContent === '删除')
  if (!b) throw new Error('no confirmation')
  return b
})

describe('deleting a webhook subscription', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('asks first, sends nothing when cancelled, and deletes on confirmation, then reloads the list', async () => {
    let deleted = false
    const sent = mockFetch({
      [`GET ${list}`]: () => ({ json: { items: deleted ? [] : [sub], next_cursor: null } }),
      [`DELETE ${list}/sub_1`]: () => { deleted = true; return { status: 204 } },
    })
    renderWithProviders(<Subscriptions canManage />)
    await userEvent.click(await rowDelete())
    expect(await screen.findByText(/不再向 https:\/\/city.example.gov.cn\/hook 推送事件/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: '取消' }))
    expect(sent.filter((s) => s.method === 'DELETE')).toEqual([])
    await userEvent.click(await rowDelete())
    await userEvent.click(await confirmDelete())
    await waitFor(() => expect(screen.queryByText('https://city.example.gov.cn/hook')).toBeNull())
    const del = sent.filter((s) => s.method === 'DELETE')
    expect(del.map((s) => s.url)).toEqual([`${list}/sub_1`])
    expect(del[0].headers['x-requested-with']).toBe('fc-console')
  })

  it("shows notify's refusal where the list is", async () => {
    mockFetch({
      [`GET ${list}`]: { json: { items: [sub], next_cursor: null } },
      [`DELETE ${list}/sub_1`]: { status: 403, json: { title: 'Forbidden', status: 403, detail: 'not your subscription' } },
    })
    renderWithProviders(<Subscriptions canManage />)
    await userEvent.click(await rowDelete())
    await userEvent.click(await confirmDelete())
    expect(await screen.findByText('not your subscription')).toBeInTheDocument()
    expect(screen.getByText('https://city.example.gov.cn/hook')).toBeInTheDocument()
  })

  it('offers no delete to a reader (the auditor)', async () => {
    mockFetch({ [`GET ${list}`]: { json: { items: [sub], next_cursor: null } } })
    renderWithProviders(<Subscriptions canManage={false} />)
    expect(await screen.findByText('https://city.example.gov.cn/hook')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: '删除' })).toBeNull()
  })
})
