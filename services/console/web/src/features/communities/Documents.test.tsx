import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { mockFetch, renderWithProviders } from '../../test-utils'
import type { Session } from '../../lib/session'
import { SessionContext } from '../../lib/session'
import { Documents } from './CommunityPage'

const upload = vi.hoisted(() => vi.fn())
vi.mock('../../components/UploadWithProgress', () => ({ uploadWithProgress: upload }))

function asRole(role: Session['role'], ui: React.ReactElement) {
  return <SessionContext.Provider value={{ role, sub: 'u1' } as Session}>{ui}</SessionContext.Provider>
}

describe("a community's documents", () => {
  afterEach(() => { vi.unstubAllGlobals(); upload.mockReset() })

  it("from a project's page files the upload as that project's document, in the community's archive", async () => {
    mockFetch({ 'GET /api/registry/api/v1/communities/c1/documents': { json: { items: [], next_cursor: null } } })
    upload.mockResolvedValue({ id: 'd1' })
    const { container } = renderWithProviders(asRole('street', <Documents communityId="c1" projectId="p1" />))
    const file = new File(['%PDF-1.4'], '方案.pdf', { type: 'application/pdf' })
    await userEvent.upload(container.querySelector('input[type=file]') as HTMLInputElement, file)
    await waitFor(() => expect(upload).toHaveBeenCalledTimes(1))
    const [url, form] = upload.mock.calls[0] as [string, FormData]
    expect(url).toBe('/api/registry/api/v1/communities/c1/documents')
    expect(form.get('project_id')).toBe('p1')
    expect((form.get('file') as File).name).toBe('方案.pdf')
  })

  it('offers no upload to a role that cannot write the archive, and files none for a community page', async () => {
    mockFetch({ 'GET /api/registry/api/v1/communities/c1/documents': { json: { items: [], next_cursor: null } } })
    const { unmount } = renderWithProviders(asRole('auditor', <Documents communityId="c1" />))
    expect(screen.queryByRole('button', { name: /上传新版本/ })).toBeNull()
    unmount()
    upload.mockResolvedValue({ id: 'd2' })
    const { container } = renderWithProviders(asRole('district_office', <Documents communityId="c1" />))
    await userEvent.upload(container.querySelector('input[type=file]') as HTMLInputElement,
      new File(['x'], 'a.png', { type: 'image/png' }))
    await waitFor(() => expect(upload).toHaveBeenCalledTimes(1))
    expect((upload.mock.calls[0] as [string, FormData])[1].get('project_id')).toBeNull()
  })
})
