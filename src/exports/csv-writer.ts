/**
 * Writing CSV for spreadsheets. Kept to one function so that the shared CSV writer (issue 16:
 * "one CSV writer for all exports") can replace it in one line where it is imported.
 *
 * German Excel opens a file by double-click correctly only with a UTF-8 BOM and `;` between the
 * fields (the comma is its decimal separator); English Excel takes `,`. Text that starts with
 * = + - @ or a tab/CR would be run as a formula (CSV injection), so it gets a leading `'`; numbers
 * are written by us and stay numbers (a negative amount is `-12,50`, not text).
 */
export function csvRecord(fields: readonly { value: string; numeric: boolean }[], delimiter: ';' | ','): string {
  return (
    fields
      .map(({ value, numeric }) => {
        const safe = !numeric && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
        return safe.includes(delimiter) || /["\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
      })
      .join(delimiter) + '\r\n'
  );
}
