import { Fragment } from 'react';

/**
 * An e-mail address that may wrap after the "@", never inside a name or domain: narrow
 * table columns stay readable instead of overflowing or breaking at an arbitrary letter.
 */
export function Email({ address }: { address: string }) {
  const parts = address.split(/(?<=@)/);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
