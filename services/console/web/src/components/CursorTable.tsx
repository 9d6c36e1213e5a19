import { useState } from 'react'
import { Button, Space, Table, Typography } from 'antd'
import type { TableProps } from 'antd'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { Page, Query, Service } from '../lib/api'
import { api } from '../lib/api'
import { ProblemAlert } from './ProblemAlert'

interface Props<T> extends Omit<TableProps<T>, 'dataSource' | 'pagination' | 'loading'> {
  service: Service
  path: string
  query?: Query
  pageSize?: number
  queryKey?: unknown[]
}

/** A table paged on the server by the API's cursor: one page in memory, 上一页 / 下一页. */
export function CursorTable<T extends object>({ service, path, query = {}, pageSize = 20, queryKey = [], ...rest }: Props<T>) {
  // The cursors belong to one filter: another filter (or path) starts at its first page at once, never asking
  // with a cursor of the previous one.
  const filterKey = JSON.stringify([path, query])
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key: filterKey, cursors: [null] })
  const cursors = state.key === filterKey ? state.cursors : [null]
  const setCursors = (f: (c: (string | null)[]) => (string | null)[]) =>
    setState((s) => ({ key: filterKey, cursors: f(s.key === filterKey ? s.cursors : [null]) }))
  const cursor = cursors[cursors.length - 1]
  const q = useQuery({
    queryKey: [service, path, query, cursor, pageSize, ...queryKey],
    queryFn: () => api<Page<T>>(service, path, { query: { ...query, limit: pageSize, cursor } }),
    placeholderData: keepPreviousData,
  })
  return (
    <div>
      {q.error && <ProblemAlert error={q.error} />}
      <Table<T> size="middle" {...rest} dataSource={q.data?.items ?? []} loading={q.isFetching} pagination={false}
        scroll={{ x: 'max-content' }} />
      <Space style={{ marginTop: 12, justifyContent: 'flex-end', width: '100%' }}>
        <Typography.Text type="secondary">第 {cursors.length} 页</Typography.Text>
        <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>上一页</Button>
        <Button disabled={!q.data?.next_cursor}
          onClick={() => q.data?.next_cursor && setCursors((c) => [...c, q.data!.next_cursor])}>下一页</Button>
      </Space>
    </div>
  )
}
