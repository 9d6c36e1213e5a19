import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { mockFetch, renderWithProviders } from '../../test-utils'
import { Bulletins } from './PublicPage'

const bulletin = (month: string, first: string) => ({
  month, published_at: `${month}-05T01:00:00Z`,
  ranking: [{ street_code: 's2', street_name: '乙街道', rank: 2, score: 80.5 }, { street_code: 's1', street_name: first, rank: 1, score: 91.25 }],
})

describe('the public bulletins', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('pages the published months on the server and unfolds the newest ranking, in rank order', async () => {
    const params = (url: string) => new URL(url, 'http://x').searchParams
    const sent = mockFetch({ 'GET /api/registry/api/v1/public/bulletins': (s) => {
      const q = params(s.url)
      if (q.get('limit') === '1') return { json: { items: [bulletin('2026-11', '甲街道')], next_cursor: '2026-11' } }
      return q.get('cursor') === '2026-11'
        ? { json: { items: [bulletin('2026-10', '丙街道')], next_cursor: null } }
        : { json: { items: [bulletin('2026-11', '甲街道')], next_cursor: '2026-11' } }
    } })
    renderWithProviders(<Bulletins />)
    expect(await screen.findByText('91.25')).toBeInTheDocument() // the newest month's ranking is open
    expect(screen.getAllByText(/^(91\.25|80\.50)$/).map((e) => e.textContent)).toEqual(['91.25', '80.50'])
    expect(sent.every((s) => Number(params(s.url).get('limit')) <= 12)).toBe(true)
    await userEvent.click(screen.getByRole('button', { name: '下一页' }))
    expect(await screen.findByText('2026-10')).toBeInTheDocument()
    await waitFor(() => expect(params(sent[sent.length - 1].url).get('cursor')).toBe('2026-11'))
    expect(screen.queryByText('2026-11')).toBeNull()
  })
})
