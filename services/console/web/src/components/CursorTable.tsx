import { useEffect, useState } from 'react'
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
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const filterKey = JSON.stringify(query)
  useEffect(() => setCursors([null]), [filterKey, path])
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
