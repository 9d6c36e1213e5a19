import { describe, expect, it } from 'vitest'
import contract from './bodies.contract.json'
import { budgetBody, incomeBody, repaymentBody, reversalBody } from '../features/funding/actions'
import { resultBody } from '../features/acceptance/ResultForm'

// services/console/tests/test_body_contract.py validates the same bodies with the services' request models.
type Values = Record<string, unknown>
const BUILDERS: Record<string, (v: Values) => unknown> = {
  'funding.BudgetIn': (v) => budgetBody(v as never),
  'funding.IncomeIn': (v) => incomeBody(v as never),
  'funding.RepaymentIn': (v) => repaymentBody(v as never),
  'funding.ReversalIn': (v) => reversalBody(v as never),
  'inspection.ResultIn': (v) => { const { document_id, ...rest } = v; return resultBody(rest as never, document_id as string | undefined) },
}

describe('the bodies the forms build are the ones the services take', () => {
  for (const [name, c] of Object.entries(contract.bodies)) {
    it(name, () => {
      const build = BUILDERS[name.split(' ')[0]]
      expect(build).toBeDefined()
      expect(build(c.values as Values)).toEqual(c.body)
    })
  }
})
