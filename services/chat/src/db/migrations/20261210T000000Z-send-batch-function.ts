import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/**
 * `chat.send_batch`: the group commit of messages without attachments in ONE statement (one
 * round trip, one transaction when called on its own): client_id dedupe against stored rows,
 * the rules (membership, tenant, read-only, channel role, reply_to), gapless seq allocation per
 * conversation (row locks first taken in id order, so writers on several nodes never deadlock),
 * the insert, the sender's own read/delivered positions and the sync log. It returns one row per
 * input item, in input order, with only what the caller needs to build the ack and the frames:
 * `o_status` ('ok' | 'duplicate' | 'not_found' | 'read_only' | 'not_allowed' | 'bad_reply'), the
 * new id/seq/created_at, and for a duplicate the columns of the stored row.
 * Items must have distinct (sender, client_id); the caller answers in-batch repeats itself.
 */
const FUNCTION = `
create or replace function chat.send_batch(
  p_id uuid[], p_tenant text[], p_conv uuid[], p_sender uuid[], p_content text[], p_type text[], p_reply uuid[], p_client text[])
returns table (
  o_i int, o_status text, o_id uuid, o_seq bigint, o_created_at timestamptz,
  d_tenant_id text, d_conversation_id uuid, d_content text, d_message_type text, d_reply_to uuid,
  d_edited_at timestamptz, d_deleted_at timestamptz)
language plpgsql as $fn$
#variable_conflict use_column
begin
  perform 1 from chat.conversations c where c.id = any(p_conv) order by c.id for update;
  return query
  with k as (
    select u.id, u.tenant_id, u.conversation_id, u.sender_id, u.content, u.message_type, u.reply_to, u.client_id, u.i::int as i
    from unnest(p_id, p_tenant, p_conv, p_sender, p_content, p_type, p_reply, p_client)
      with ordinality as u(id, tenant_id, conversation_id, sender_id, content, message_type, reply_to, client_id, i)
  ), d as (
    select k.i, m.id, m.seq, m.created_at, m.tenant_id, m.conversation_id, m.content, m.message_type, m.reply_to, m.edited_at, m.deleted_at
    from k join chat.messages m on m.sender_id = k.sender_id and m.client_id = k.client_id
    where k.client_id is not null
  ), chk as (
    select k.*, case
      when d.i is not null then 'duplicate'
      when p.user_id is null or c.id is null or c.tenant_id <> k.tenant_id then 'not_found'
      when c.is_read_only then 'read_only'
      when c.type = 'channel' and p.role = 'member' then 'not_allowed'
      when k.reply_to is not null and not exists (
        select 1 from chat.messages r where r.id = k.reply_to and r.conversation_id = k.conversation_id) then 'bad_reply'
      else 'ok' end as status
    from k
    left join d on d.i = k.i
    left join chat.participants p on p.conversation_id = k.conversation_id and p.user_id = k.sender_id and p.left_at is null
    left join chat.conversations c on c.id = k.conversation_id and c.deleted_at is null
  ), ok as (
    select chk.*, row_number() over (partition by chk.conversation_id order by chk.i) as rn,
      count(*) over (partition by chk.conversation_id) as n
    from chk where chk.status = 'ok'
  ), alloc as (
    update chat.conversations c set last_seq = c.last_seq + a.n, last_message_at = now(), updated_at = now()
    from (select distinct ok.conversation_id, ok.n from ok) a
    where c.id = a.conversation_id
    returning c.id, c.last_seq
  ), ins as (
    insert into chat.messages as m (id, tenant_id, conversation_id, seq, sender_id, content, message_type, reply_to, client_id)
    select ok.id, ok.tenant_id, ok.conversation_id, alloc.last_seq - ok.n + ok.rn, ok.sender_id, ok.content, ok.message_type, ok.reply_to, ok.client_id
    from ok join alloc on alloc.id = ok.conversation_id
    order by ok.conversation_id, ok.rn
    returning m.id, m.seq, m.created_at, m.conversation_id, m.sender_id
  ), adv as (
    update chat.participants p
    set last_read_seq = greatest(p.last_read_seq, s.seq), last_delivered_seq = greatest(p.last_delivered_seq, s.seq)
    from (select ins.conversation_id, ins.sender_id, max(ins.seq) as seq from ins group by ins.conversation_id, ins.sender_id) s
    where p.conversation_id = s.conversation_id and p.user_id = s.sender_id
  ), ch as (
    insert into chat.changes (conversation_id, type, data)
    select ins.conversation_id, 'message.new', jsonb_build_object('message_id', ins.id, 'seq', ins.seq)
    from ins order by ins.conversation_id, ins.seq
  )
  select chk.i, chk.status, coalesce(ins.id, d.id), coalesce(ins.seq, d.seq), coalesce(ins.created_at, d.created_at),
    d.tenant_id, d.conversation_id, d.content, d.message_type, d.reply_to, d.edited_at, d.deleted_at
  from chk left join ins on ins.id = chk.id left join d on d.i = chk.i
  order by chk.i;
end
$fn$`

export async function up(db: Db): Promise<void> {
  await sql.raw(FUNCTION).execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql`drop function if exists chat.send_batch(uuid[], text[], uuid[], uuid[], text[], text[], uuid[], text[])`.execute(
    db,
  )
}
