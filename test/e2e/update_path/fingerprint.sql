-- One line per property of every object the extension owns, sorted: two
-- databases whose fingerprints are equal hold the same extension objects.
-- OIDs never appear (they differ between databases); names, definitions,
-- ACLs and settings do.
\pset format unaligned
\pset tuples_only on
WITH ext AS (
  SELECT oid, extversion, extconfig, extcondition, extrelocatable, extnamespace
  FROM pg_extension WHERE extname = 'selegic_drift'
), members AS (
  SELECT d.classid, d.objid, d.objsubid
  FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), lines AS (
  -- the extension itself
  SELECT format('extension version=%s relocatable=%s schema=%s config=%s conditions=%s',
                extversion, extrelocatable, extnamespace::regnamespace,
                (SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM unnest(extconfig) c),
                extcondition) AS line
  FROM ext
  UNION ALL
  -- every member, by its description
  SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM members
  UNION ALL
  -- functions: signature, result, attributes, settings, ACL, body, comment
  SELECT format('function %s(%s) returns %s kind=%s volatile=%s strict=%s secdef=%s parallel=%s leakproof=%s cost=%s rows=%s lang=%s config=%s acl=%s bin=%s comment=%s src=%s',
                p.oid::regproc, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid),
                p.prokind, p.provolatile, p.proisstrict, p.prosecdef, p.proparallel, p.proleakproof,
                p.procost, p.prorows, l.lanname, p.proconfig, p.proacl, p.probin,
                obj_description(p.oid, 'pg_proc'), md5(p.prosrc))
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
  UNION ALL
  -- relations: kind, options, ACL, comment, and for views the definition
  SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s rowsecurity=%s comment=%s view=%s',
                c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relacl, c.relrowsecurity,
                obj_description(c.oid, 'pg_class'),
                CASE WHEN c.relkind IN ('v', 'm') THEN md5(pg_get_viewdef(c.oid)) END)
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  UNION ALL
  -- columns, in order, with type, nullability, default, identity, ACL, comment
  SELECT format('column %s.%s #%s type=%s notnull=%s default=%s identity=%s generated=%s acl=%s comment=%s',
                c.oid::regclass, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attacl,
                col_description(c.oid, a.attnum))
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  UNION ALL
  -- constraints and indexes of member tables
  SELECT format('constraint %s %s: %s', con.conrelid::regclass, con.conname, pg_get_constraintdef(con.oid))
  FROM members m JOIN pg_constraint con ON m.classid = 'pg_class'::regclass AND con.conrelid = m.objid
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
  FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
  UNION ALL
  -- table triggers with their enabled state
  SELECT format('trigger %s enabled=%s: %s', t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
  FROM members m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid
  WHERE NOT t.tgisinternal
  UNION ALL
  -- event triggers
  SELECT format('event trigger %s on %s enabled=%s function=%s tags=%s',
                e.evtname, e.evtevent, e.evtenabled, e.evtfoid::regprocedure, e.evttags)
  FROM members m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
  UNION ALL
  -- schemas: owner-independent ACL and comment
  SELECT format('schema %s acl=%s comment=%s', n.nspname, n.nspacl, obj_description(n.oid, 'pg_namespace'))
  FROM members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
  UNION ALL
  -- types the extension owns (composite and others)
  SELECT format('type %s typtype=%s', t.oid::regtype, t.typtype)
  FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
)
SELECT line FROM lines ORDER BY line COLLATE "C";
