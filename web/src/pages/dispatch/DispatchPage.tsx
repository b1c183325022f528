import { Anchor, Breadcrumbs, Skeleton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ErrorAlert } from '../../components/ErrorAlert';
import { NotFoundPage } from '../NotFoundPage';
import { DraftView } from './DraftView';
import { ProgressView } from './ProgressView';
import { dispatchKey, getDispatch } from './api';

/** /dispatch/:id — a draft shows the send dialog; a started dispatch its live progress and result. */
export function DispatchPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const dispatch = useQuery({ queryKey: dispatchKey(id), queryFn: () => getDispatch(id), enabled: Number.isInteger(id) && id > 0 });
  if (!Number.isInteger(id) || id <= 0) return <NotFoundPage />;
  return (
    <>
      <Breadcrumbs mb="sm" fz="sm">
        <Anchor component={Link} to="/evaluations/documents">
          {t('dispatchUi.evaluations.title')}
        </Anchor>
        <Anchor component={Link} to="/dispatch">
          {t('dispatchUi.history.title')}
        </Anchor>
      </Breadcrumbs>
      {dispatch.isPending && <Skeleton h={420} />}
      <ErrorAlert error={dispatch.error} />
      {dispatch.data && (dispatch.data.status === 'draft' ? <DraftView dispatch={dispatch.data} /> : <ProgressView dispatch={dispatch.data} />)}
    </>
  );
}
