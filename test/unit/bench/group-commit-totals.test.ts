/** The bench reads TH's group commits from its Prometheus text: both totals, or nothing. */
import { groupCommitTotals } from '../../../bench/e2e/cluster.ts';

test('the _count and _sum of mx_submission_group_commit_units, and undefined without them', () => {
  const text = [
    '# HELP mx_submission_group_commit_units Submissions committed together',
    '# TYPE mx_submission_group_commit_units histogram',
    'mx_submission_group_commit_units_bucket{le="1"} 3',
    'mx_submission_group_commit_units_bucket{le="+Inf"} 12',
    'mx_submission_group_commit_units_sum 97',
    'mx_submission_group_commit_units_count 12',
    'mx_outbox_backlog_records 0',
  ].join('\n');
  expect(groupCommitTotals(text)).toEqual({ commits: 12, submissions: 97 });
  expect(groupCommitTotals('mx_outbox_backlog_records 0\n')).toBeUndefined();
  expect(groupCommitTotals('mx_submission_group_commit_units_count 4\n')).toBeUndefined();
});
