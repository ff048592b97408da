import { readOnlyRoleSql, DEFAULT_READONLY_ROLE } from './role-sql';
import { sampleDataSql } from './sample-data';

/** Everything the embedded engine creates on first start: the sample data set and its read-only role. */
export function embeddedSetupSql(role = DEFAULT_READONLY_ROLE): string {
  return `${sampleDataSql()}\n${readOnlyRoleSql({ role, login: false })}`;
}
