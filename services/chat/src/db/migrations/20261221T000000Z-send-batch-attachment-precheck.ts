import type { Db } from '@parley/platform'
import { sql } from 'kysely'

import { FUNCTION as FOURTH } from './20261220T000000Z-send-batch-attachments'

/**
 * `chat.send_batch`, fifth version: the same rules, but a batch without attachments (nearly every
 * batch) pays nothing for them. The fourth version checked attachments inside the main statement
 * (an extra CTE level over every item, a lateral probe per item, a separate locking statement), and
 * the direct-conversation bench (b) lost 10–13 % of its throughput to it, embedded and on
 * PostgreSQL, since that statement is most of what the database does per message. Now the
 * attachment checks run as their own statement, only when the batch lists attachments, and leave
 * one verdict per item (`v_bad`) that the main statement reads like any other rule.
 *
 * One rule is simpler: a file listed by two items of one batch belongs to the first item (before, to
 * the first that passed every other rule). Same signature and result: CREATE OR REPLACE.
 */
export const FUNCTION = `
create or replace function chat.send_batch(
  p_id uuid[], p_tenant text[], p_conv uuid[], p_sender uuid[], p_content text[], p_type text[], p_reply uuid[], p_client text[],
  p_att_i int[] default '{}', p_att_id uuid[] default '{}')
returns table (
  o_i int, o_status text, o_id uuid, o_seq bigint, o_created_at timestamptz,
  d_tenant_id text, d_conversation_id uuid, d_content text, d_message_type text, d_reply_to uuid,
  d_edited_at timestamptz, d_deleted_at timestamptz, o_bad_attachment uuid)
language plpgsql
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $fn$
#variable_conflict use_column
declare
  -- Per item (1-based), the first attachment it may not link; null when all of them are fine.
  v_bad uuid[];
begin
  -- Row locks in id order (writers on several nodes never deadlock), each one a probe.
  perform 1 from (select distinct u.id from unnest(p_conv) as u(id) order by u.id) k
    cross join lateral (select 1 from chat.conversations c where c.id = k.id limit 1 for update) l;
  if cardinality(p_att_id) > 0 then
    -- The attachments to link, locked until COMMIT: two batches never both claim one.
    perform 1 from (select distinct u.id from unnest(p_att_id) as u(id) order by u.id) k
      cross join lateral (select 1 from chat.attachments a where a.id = k.id limit 1 for update) l;
    -- An item may link only its sender's own files that no message has yet, each at most once in
    -- the batch: a file listed by two items belongs to the first.
    select array_agg(b.bad order by b.i) into v_bad
    from generate_series(1, cardinality(p_id)) as b0(i)
    cross join lateral (
      select (
        select u.id from unnest(p_att_i, p_att_id) with ordinality as u(i, id, n)
        left join lateral (select a.uploader_id, a.message_id from chat.attachments a where a.id = u.id limit 1) a on true
        where u.i = b0.i and (a.uploader_id is distinct from p_sender[b0.i] or a.message_id is not null
          or exists (select 1 from unnest(p_att_i, p_att_id) as e(i, id) where e.id = u.id and e.i < u.i))
        order by u.n limit 1) as bad, b0.i) b;
  end if;
  return query
  with k as (
    select u.id, u.tenant_id, u.conversation_id, u.sender_id, u.content, u.message_type, u.reply_to, u.client_id, u.i::int as i
    from unnest(p_id, p_tenant, p_conv, p_sender, p_content, p_type, p_reply, p_client)
      with ordinality as u(id, tenant_id, conversation_id, sender_id, content, message_type, reply_to, client_id, i)
  ), chk as (
    select k.*, c.last_seq as base_seq,
      d.id as d_id, d.seq as d_seq, d.created_at as d_created_at, d.tenant_id as d_tenant_id, d.conversation_id as d_conversation_id,
      d.content as d_content, d.message_type as d_message_type, d.reply_to as d_reply_to, d.edited_at as d_edited_at, d.deleted_at as d_deleted_at,
      case
        when d.id is not null then 'duplicate'
        when p.role is null or c.id is null or c.tenant_id <> k.tenant_id then 'not_found'
        when c.is_read_only then 'read_only'
        when c.type = 'channel' and p.role = 'member' then 'not_allowed'
        when k.reply_to is not null and not exists (
          select 1 from chat.messages r where r.id = k.reply_to and r.conversation_id = k.conversation_id) then 'bad_reply'
        when v_bad[k.i] is not null then 'bad_attachment'
        else 'ok' end as status
    from k
    left join lateral (
      select m.id, m.seq, m.created_at, m.tenant_id, m.conversation_id, m.content, m.message_type, m.reply_to, m.edited_at, m.deleted_at
      from chat.messages m
      where k.client_id is not null and m.sender_id = k.sender_id and m.client_id = k.client_id and m.client_id is not null
      limit 1) d on true
    left join lateral (
      select p.role from chat.participants p
      where p.conversation_id = k.conversation_id and p.user_id = k.sender_id and p.left_at is null
      limit 1) p on true
    left join lateral (
      select c.id, c.tenant_id, c.is_read_only, c.type, c.last_seq from chat.conversations c
      where c.id = k.conversation_id and c.deleted_at is null
      limit 1) c on true
  ), ok as (
    select chk.*, row_number() over (partition by chk.conversation_id order by chk.i) as rn,
      count(*) over (partition by chk.conversation_id) as n
    from chk where chk.status = 'ok'
  ), alloc as (
    update chat.conversations c set last_seq = c.last_seq + a.n, last_message_at = now(), updated_at = now()
    from (select distinct ok.conversation_id, ok.n from ok) a
    where c.id = a.conversation_id
  ), ins as (
    insert into chat.messages as m (id, tenant_id, conversation_id, seq, sender_id, content, message_type, reply_to, client_id)
    select ok.id, ok.tenant_id, ok.conversation_id, ok.base_seq + ok.rn, ok.sender_id, ok.content, ok.message_type, ok.reply_to, ok.client_id
    from ok
    order by ok.conversation_id, ok.rn
    returning m.id, m.seq, m.created_at, m.conversation_id, m.sender_id
  ), lnk as (
    update chat.attachments a set message_id = ok.id, conversation_id = ok.conversation_id
    from unnest(p_att_i, p_att_id) as att(i, id) join ok on ok.i = att.i
    where a.id = att.id and cardinality(p_att_id) > 0
  ), adv_locked as (
    -- Each sender's row, locked by a probe, in (conversation_id, user_id) order: the order of every
    -- writer of participant positions, so two of them never wait for each other.
    select s.conversation_id, s.sender_id, s.seq
    from (select ins.conversation_id, ins.sender_id, max(ins.seq) as seq from ins
          group by ins.conversation_id, ins.sender_id order by ins.conversation_id, ins.sender_id) s
    cross join lateral (select 1 from chat.participants p
      where p.conversation_id = s.conversation_id and p.user_id = s.sender_id limit 1 for update) l
  ), adv as (
    update chat.participants p
    set last_read_seq = greatest(p.last_read_seq, s.seq), last_delivered_seq = greatest(p.last_delivered_seq, s.seq)
    from adv_locked s
    where p.conversation_id = s.conversation_id and p.user_id = s.sender_id
  ), ch as (
    insert into chat.changes (conversation_id, type, data)
    select ins.conversation_id, 'message.new', jsonb_build_object('message_id', ins.id, 'seq', ins.seq)
    from ins order by ins.conversation_id, ins.seq
  )
  select chk.i, chk.status, coalesce(ins.id, chk.d_id), coalesce(ins.seq, chk.d_seq), coalesce(ins.created_at, chk.d_created_at),
    chk.d_tenant_id, chk.d_conversation_id, chk.d_content, chk.d_message_type, chk.d_reply_to, chk.d_edited_at, chk.d_deleted_at,
    v_bad[chk.i]
  from chk left join ins on ins.id = chk.id
  order by chk.i;
end
$fn$`

export async function up(db: Db): Promise<void> {
  await sql.raw(FUNCTION).execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql.raw(FOURTH).execute(db)
}
