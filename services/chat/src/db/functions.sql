-- Every SQL function of the chat schema, as the database holds it after the last migration.
-- functions.int.test.ts keeps this file equal to the database's definitions (pg_get_functiondef,
-- on PGlite and PostgreSQL): change a function here AND in a new migration that carries its full text.

-- chat.send_batch: the group commit of a batch of messages, with or without attachments, in ONE
-- statement (one round trip; one transaction when called on its own). The one place of the send
-- rules: client_id dedupe against stored rows, membership, tenant, read-only, channel role,
-- reply_to, attachments (the sender's own, not yet sent, not listed by an earlier item of the
-- batch: checked in a statement of their own, run only when the batch has attachments); then gapless seq allocation per conversation, the insert, the attachments' link, the
-- senders' own read/delivered positions and the sync log. Answers one row per item, in input order:
-- `o_status` ('ok' | 'duplicate' | 'not_found' | 'read_only' | 'not_allowed' | 'bad_reply' |
-- 'bad_attachment'), the new id/seq/created_at, for a duplicate the stored row's columns, for
-- 'bad_attachment' the first attachment refused, and `o_mentions` the members the message names
-- (chat.mentions_of, below). Items must have distinct (sender, client_id): the
-- caller answers in-batch repeats itself. Attachments come flattened: item p_att_i[k] (1-based)
-- links attachment p_att_id[k], in the order the sender listed them.
--
-- Planned for a cost that follows the batch, not the tables: every lookup is a lateral `limit 1`
-- probe of a unique index; the plan is generic (planned once per session); sequential scans are
-- off, since a generic plan made while the tables were empty kept scanning as they grew.
-- Locks, always in the same order on every node: conversation rows (id order), attachment rows
-- (id order), then the senders' participant rows in (conversation_id, user_id) order, the order of
-- the delivery-receipt writer too.
create or replace function chat.send_batch(
  p_id uuid[], p_tenant text[], p_conv uuid[], p_sender uuid[], p_content text[], p_type text[], p_reply uuid[], p_client text[],
  p_att_i int[] default '{}', p_att_id uuid[] default '{}')
returns table (
  o_i int, o_status text, o_id uuid, o_seq bigint, o_created_at timestamptz,
  d_tenant_id text, d_conversation_id uuid, d_content text, d_message_type text, d_reply_to uuid,
  d_edited_at timestamptz, d_deleted_at timestamptz, o_bad_attachment uuid, o_mentions uuid[])
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
      d.mentions as d_mentions,
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
      select m.id, m.seq, m.created_at, m.tenant_id, m.conversation_id, m.content, m.message_type, m.reply_to, m.edited_at, m.deleted_at, m.mentions
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
    -- Mentions (chat.mentions_of: members named by @username, everyone for an admin's @here or
    -- @channel), only looked for when the text has an '@'.
    insert into chat.messages as m (id, tenant_id, conversation_id, seq, sender_id, content, message_type, reply_to, client_id, mentions)
    select ok.id, ok.tenant_id, ok.conversation_id, ok.base_seq + ok.rn, ok.sender_id, ok.content, ok.message_type, ok.reply_to, ok.client_id,
      case when strpos(ok.content, '@') > 0 then chat.mentions_of(ok.conversation_id, ok.sender_id, ok.content) else '{}'::uuid[] end
    from ok
    order by ok.conversation_id, ok.rn
    returning m.id, m.seq, m.created_at, m.conversation_id, m.sender_id, m.mentions
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
    v_bad[chk.i], coalesce(ins.mentions, chk.d_mentions)
  from chk left join ins on ins.id = chk.id
  order by chk.i;
end
$fn$;

-- chat.mentions_of: the members a message names (see migration 20261230T000000Z-mentions), called by
-- chat.send_batch for a text with an '@' and by an edit.
create or replace function chat.mentions_of(p_conv uuid, p_sender uuid, p_content text)
returns uuid[]
language sql
stable
as $fn$
  with tok as (
    -- Each '@name' that does not continue a word (an e-mail address is no mention), with and
    -- without trailing punctuation ('@bob.' names bob; usernames may hold . + - @ themselves).
    select lower(t[1]) as name
    from regexp_matches(p_content, '(?:^|[^[:alnum:]_.+@-])@([[:alnum:]_.+@-]+)', 'g') as t
    union
    select lower(rtrim(t[1], '.+-@'))
    from regexp_matches(p_content, '(?:^|[^[:alnum:]_.+@-])@([[:alnum:]_.+@-]+)', 'g') as t
  ), everyone as (
    -- '@here' and '@channel' name every member, from an owner or admin of a group or channel only.
    select 1 from chat.participants p join chat.conversations c on c.id = p.conversation_id
    where p.conversation_id = p_conv and p.user_id = p_sender and p.left_at is null
      and p.role in ('owner', 'admin') and c.type <> 'direct'
      and exists (select 1 from tok where tok.name in ('here', 'channel'))
  )
  select coalesce(array_agg(p.user_id order by p.user_id), '{}')
  from chat.participants p
  left join chat.users u on u.id = p.user_id
  where p.conversation_id = p_conv and p.left_at is null and p.user_id <> p_sender
    and (exists (select 1 from everyone) or lower(u.username) in (select tok.name from tok))
$fn$;

-- chat.search_lock_key: the advisory-lock key of a conversation's search copy. The indexer
-- (chat.index_search) holds it exclusively while it copies; an edit or a delete holds it shared
-- (search/search-index.repository.ts), so the two never interleave on one conversation.
create or replace function chat.search_lock_key(p_conv uuid)
returns bigint
language sql
immutable
as $fn$
  select (6202564::bigint << 32) | (hashtext(p_conv::text)::bigint & 4294967295)
$fn$;

-- chat.index_search: one pass of the search indexer (search/search-indexer.ts), in one call.
-- Copies into chat.message_search the next (at most p_per_conv) messages of each conversation
-- past its chat.search_progress mark (deleted ones only move the mark) and moves the marks.
-- Answers, per conversation that had any, how many it read: p_per_conv means more may follow.
create or replace function chat.index_search(p_conv uuid[], p_per_conv int)
returns table (o_conversation_id uuid, o_scanned int)
language plpgsql
as $fn$
begin
  -- Nothing waits for this commit and no ack depends on it.
  perform set_config('synchronous_commit', 'off', true);
  -- In id order, so two indexers (two nodes) never wait for each other in a cycle.
  perform pg_advisory_xact_lock(chat.search_lock_key(k.id))
  from (select distinct u.id from unnest(p_conv) as u(id) order by u.id) k;
  -- A statement of its own, after the locks: its snapshot holds every edit and delete that
  -- committed before them. A conversation's seqs commit in order (under its row lock), so the
  -- messages visible past a mark are a gapless run.
  return query
  with todo as (
    select u.id, coalesce(p.indexed_seq, 0) as from_seq
    from (select distinct x.id from unnest(p_conv) as x(id)) u
    left join chat.search_progress p on p.conversation_id = u.id
  ), scanned as (
    select m.id, m.conversation_id, m.seq, m.content, m.deleted_at
    from todo cross join lateral (
      select m.id, m.conversation_id, m.seq, m.content, m.deleted_at from chat.messages m
      where m.conversation_id = todo.id and m.seq > todo.from_seq
      order by m.seq limit p_per_conv) m
  ), copied as (
    insert into chat.message_search (message_id, conversation_id, seq, content)
    select s.id, s.conversation_id, s.seq, s.content from scanned s where s.deleted_at is null
  ), marked as (
    insert into chat.search_progress as p (conversation_id, indexed_seq)
    select s.conversation_id, max(s.seq) from scanned s group by s.conversation_id
    on conflict (conversation_id) do update set indexed_seq = greatest(p.indexed_seq, excluded.indexed_seq)
  )
  select s.conversation_id, count(*)::int from scanned s group by s.conversation_id;
end
$fn$;
