//! The search index: Tantivy over the `events` table, kept in `<data-dir>/index`.
//!
//! The index holds no copy of an event. Each document carries the exact-match
//! fields analysts search, the raw record as tokenized text, the event time, and
//! where the event lives: the Parquet file (relative to `events/`) and its row in
//! that file. A hit is resolved by reading that row from Parquet.
//!
//! Parquet is the truth and the index follows it. Documents are added one whole
//! file at a time and committed between files, so a commit never holds part of a
//! file; [`EventIndexWriter::reconcile`] then repairs whatever a crash left behind
//! (files written but not indexed, documents whose file was pruned).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, TimestampMicrosecondType, UInt32Type};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, IndexRecordOption, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument,
    Term,
};

use super::layout::DataDir;

/// Fields indexed for exact (whole-value, case-insensitive) match, as named in the event.
pub const EXACT_FIELDS: &[&str] = &[
    "event_id",
    "source",
    "class",
    "action",
    "operation",
    "outcome",
    "user",
    "user_id",
    "token_id",
    "session_id",
    "target_user",
    "src_ip",
    "src_country",
    "src_asn",
    "provider",
    "project",
    "resource",
    "backend",
    "hardware",
    "job_id",
];

/// Tokenizer of the exact fields: the whole value, lower-cased, so `user:Alice@Example.org`
/// finds what the source logged as `alice@example.org`.
const EXACT_TOKENIZER: &str = "qtrail_exact";

/// Tokenizer of the raw record: the words of its JSON values (see `raw_tokenizer`).
const VALUES_TOKENIZER: &str = "qtrail_json_values";

/// Documents added before the writer commits on its own during an ingest.
const COMMIT_EVERY_DOCS: usize = 500_000;

/// Segments with more documents than this are not merged any further.
const MAX_DOCS_BEFORE_MERGE: usize = 100_000;

/// Memory the index writer may use per indexing thread before it writes a segment.
const WRITER_BYTES_PER_THREAD: usize = 160 << 20;

/// The schema fields, looked up once.
#[derive(Clone)]
struct Fields {
    exact: Vec<(&'static str, Field)>,
    raw: Field,
    time: Field,
    file: Field,
    row: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let exact_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(EXACT_TOKENIZER)
            // Exact values need no positions or frequencies: a value occurs once per event.
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let exact = EXACT_FIELDS
        .iter()
        .map(|name| (*name, b.add_text_field(name, exact_opts.clone())))
        .collect();
    let raw = b.add_text_field(
        "raw",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(VALUES_TOKENIZER)
                // Positions make phrases ("permission denied") work.
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        ),
    );
    // Fast only, at full precision: ranges and sorting run on the column, and an
    // inverted index of microsecond timestamps would be a term per event.
    let time = b.add_date_field(
        "time",
        DateOptions::default()
            .set_fast()
            .set_precision(DateTimePrecision::Microseconds),
    );
    // `file` is indexed (its term dictionary lists the indexed files, and a term
    // deletes a file's documents) and fast (a hit reads its file name from the column).
    let file = b.add_text_field("file", STRING | FAST);
    let row = b.add_u64_field("row", FAST);
    (
        b.build(),
        Fields {
            exact,
            raw,
            time,
            file,
            row,
        },
    )
}

/// One hit: where the event lives and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Parquet file, relative to `events/` (`dt=YYYY-MM-DD/part-....parquet`).
    pub file: String,
    /// Row of the event in that file.
    pub row: u64,
    /// Event time, microseconds since the epoch.
    pub time_us: i64,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// Every matching event, counted.
    pub total: usize,
    /// The page asked for, in the order asked for.
    pub hits: Vec<Hit>,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeOrder {
    /// Newest first (search).
    NewestFirst,
    /// Oldest first (timelines).
    OldestFirst,
}

/// The index of a data directory, opened for searching or writing.
pub struct EventIndex {
    index: Index,
    fields: Fields,
    events_dir: PathBuf,
}

impl EventIndex {
    /// Where the index of `dir` lives.
    pub fn path(dir: &DataDir) -> PathBuf {
        dir.root().join("index")
    }

    /// Opens the index of `dir`, creating an empty one if there is none.
    pub fn open_or_create(dir: &DataDir) -> Result<Self> {
        let path = Self::path(dir);
        let (schema, fields) = schema();
        let exists = path.join("meta.json").exists();
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create the index directory {}", path.display()))?;
        let index = if exists {
            Index::open_in_dir(&path).with_context(|| open_error(&path))?
        } else {
            Index::create_in_dir(&path, schema.clone())
                .with_context(|| format!("cannot create the index in {}", path.display()))?
        };
        Self::finish_open(index, schema, fields, dir, &path)
    }

    /// Opens the index of `dir` for searching; errors if there is none.
    pub fn open_existing(dir: &DataDir) -> Result<Self> {
        let path = Self::path(dir);
        if !path.join("meta.json").exists() {
            bail!(
                "{} has no search index: run `qtrail reindex` to build it from the stored events",
                dir.root().display()
            );
        }
        let (schema, fields) = schema();
        let index = Index::open_in_dir(&path).with_context(|| open_error(&path))?;
        Self::finish_open(index, schema, fields, dir, &path)
    }

    fn finish_open(
        index: Index,
        schema: Schema,
        fields: Fields,
        dir: &DataDir,
        path: &Path,
    ) -> Result<Self> {
        if index.schema() != schema {
            bail!(
                "the index in {} was built by another version of qtrail: run `qtrail reindex` to rebuild it",
                path.display()
            );
        }
        // Tokenizers are not stored in the index: register ours on every open.
        index.tokenizers().register(
            EXACT_TOKENIZER,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .build(),
        );
        index.tokenizers().register(
            VALUES_TOKENIZER,
            TextAnalyzer::builder(super::raw_tokenizer::JsonValuesTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .build(),
        );
        Ok(EventIndex {
            index,
            fields,
            events_dir: dir.events_dir(),
        })
    }

    /// A writer; only one may exist per index (the data directory lock guards it).
    pub fn writer(&self) -> Result<EventIndexWriter> {
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let writer = self
            .index
            .writer_with_num_threads(threads, threads * WRITER_BYTES_PER_THREAD)
            .context("cannot open the index for writing (is another qtrail writing to this data directory?)")?;
        // Merging big segments again and again costs an ingest more than it saves a
        // search: segments past this size are left as they are.
        let mut policy = tantivy::indexer::LogMergePolicy::default();
        policy.set_max_docs_before_merge(MAX_DOCS_BEFORE_MERGE);
        writer.set_merge_policy(Box::new(policy));
        Ok(EventIndexWriter {
            writer,
            fields: self.fields.clone(),
            events_dir: self.events_dir.clone(),
            pending: 0,
        })
    }

    fn reader(&self) -> Result<IndexReader> {
        // Manual: a one-shot command needs no thread watching for commits.
        Ok(self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?)
    }

    /// Parses a query in Tantivy's syntax; field-less terms search the raw record,
    /// and terms without an operator must all match.
    pub fn parse(&self, query: &str) -> Result<Box<dyn Query>> {
        let mut parser = QueryParser::for_index(&self.index, vec![self.fields.raw]);
        parser.set_conjunction_by_default();
        let (parsed, errors) = parser.parse_query_lenient(query);
        if !errors.is_empty() {
            let detail = errors
                .iter()
                .map(|e| format!("  - {}", explain(e)))
                .collect::<Vec<_>>()
                .join("\n");
            bail!(
                "cannot parse the query {query:?}:\n{detail}\nsearchable fields: {}, raw (default), time; \
                 quote values with spaces or colons: resource:\"arn:aws:...\"",
                EXACT_FIELDS.join(", ")
            );
        }
        Ok(parsed)
    }

    /// The query that matches one exact value of an exact field (lower-cased as indexed).
    pub fn exact_term(&self, field: &str, value: &str) -> Result<Box<dyn Query>> {
        let f = self.exact_field(field)?;
        Ok(Box::new(TermQuery::new(
            Term::from_field_text(f, &value.to_lowercase()),
            IndexRecordOption::Basic,
        )))
    }

    /// Matches `value` in any of `fields` (exact, lower-cased).
    pub fn any_exact(&self, fields: &[&str], value: &str) -> Result<Box<dyn Query>> {
        let clauses = fields
            .iter()
            .map(|f| Ok((Occur::Should, self.exact_term(f, value)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn exact_field(&self, name: &str) -> Result<Field> {
        self.fields
            .exact
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .with_context(|| {
                format!(
                    "{name} is not an indexed field; indexed: {}",
                    EXACT_FIELDS.join(", ")
                )
            })
    }

    /// Runs `query` restricted to `[since, until)` (microseconds), returning the total
    /// count and up to `limit` hits in time order.
    pub fn search(
        &self,
        query: Box<dyn Query>,
        since_us: Option<i64>,
        until_us: Option<i64>,
        limit: usize,
        order: TimeOrder,
    ) -> Result<Hits> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        if since_us.is_some() || until_us.is_some() {
            let term = |us: i64| {
                Term::from_field_date(self.fields.time, DateTime::from_timestamp_micros(us))
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    since_us.map_or(Bound::Unbounded, |t| Bound::Included(term(t))),
                    until_us.map_or(Bound::Unbounded, |t| Bound::Excluded(term(t))),
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader()?.searcher();
        let tantivy_order = match order {
            TimeOrder::NewestFirst => Order::Desc,
            TimeOrder::OldestFirst => Order::Asc,
        };
        // Tantivy reserves room for the limit up front: no more hits than documents.
        let limit = limit.min(searcher.num_docs() as usize);
        let top = TopDocs::with_limit(limit.max(1))
            .order_by_fast_field::<DateTime>("time", tantivy_order);
        let (total, top) = searcher
            .search(&query, &(Count, top))
            .context("the search failed")?;
        let mut hits = Vec::with_capacity(top.len());
        for (time, addr) in top.into_iter().take(limit) {
            let (file, row) = self.location(&searcher, addr)?;
            hits.push(Hit {
                file,
                row,
                time_us: time.map_or(0, |t| t.into_timestamp_micros()),
            });
        }
        // Equal times come back in index order; break ties by position in the file,
        // which is time order too, so output is the same on every run.
        hits.sort_by(|a, b| {
            let key = |h: &Hit| (h.time_us, h.file.clone(), h.row);
            match order {
                TimeOrder::OldestFirst => key(a).cmp(&key(b)),
                TimeOrder::NewestFirst => key(b).cmp(&key(a)),
            }
        });
        Ok(Hits { total, hits })
    }

    fn location(&self, searcher: &tantivy::Searcher, addr: DocAddress) -> Result<(String, u64)> {
        let seg = searcher.segment_reader(addr.segment_ord);
        let ff = seg.fast_fields();
        let files = ff
            .str("file")?
            .context("the index has no file column: run `qtrail reindex`")?;
        let rows = ff.u64("row")?;
        let mut file = String::new();
        if let Some(ord) = files.term_ords(addr.doc_id).next() {
            files.ord_to_str(ord, &mut file)?;
        }
        let row = rows
            .first(addr.doc_id)
            .context("an index document has no row: run `qtrail reindex`")?;
        Ok((file, row))
    }

    /// Live documents per indexed file. Files come from the term dictionary of
    /// `file`; a file whose documents are all deleted (but not yet merged away)
    /// shows with 0.
    pub fn files(&self) -> Result<BTreeMap<String, u64>> {
        let searcher = self.reader()?.searcher();
        let mut names = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inverted = seg.inverted_index(self.fields.file)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                names.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        let mut out = BTreeMap::new();
        for name in names {
            let q = TermQuery::new(
                Term::from_field_text(self.fields.file, &name),
                IndexRecordOption::Basic,
            );
            out.insert(name, searcher.search(&q, &Count)? as u64);
        }
        Ok(out)
    }

    /// Stored event files the index does not cover yet (an ingest with
    /// `--no-index`, or one interrupted before its index commit).
    pub fn unindexed_files(&self, dir: &DataDir) -> Result<usize> {
        let indexed = self.files()?;
        let mut missing = 0;
        for path in dir.event_files()? {
            // A file whose documents were all deleted is listed with 0: not indexed.
            if indexed
                .get(&dir.event_file_name(&path))
                .is_none_or(|&live| live == 0)
            {
                missing += 1;
            }
        }
        Ok(missing)
    }

    /// Documents in the index (deleted ones excluded).
    pub fn num_docs(&self) -> Result<u64> {
        Ok(self.reader()?.searcher().num_docs())
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self, dir: &DataDir) -> Result<u64> {
        dir_size(&Self::path(dir))
    }

    /// The events directory this index points into.
    pub fn events_dir(&self) -> &Path {
        &self.events_dir
    }
}

fn open_error(path: &Path) -> String {
    format!(
        "cannot open the index in {}: delete that directory and run `qtrail reindex` to rebuild it",
        path.display()
    )
}

/// Says what is wrong with a query in words an analyst can act on.
fn explain(e: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match e {
        E::FieldDoesNotExist(f) => format!("unknown field {f:?}"),
        E::AllButQueryForbidden => {
            "the query only excludes (-term or NOT term): add something to match".into()
        }
        E::DateFormatError(_) => {
            "a time must be RFC 3339, like time:[2026-10-01T00:00:00Z TO *]".into()
        }
        E::FieldDoesNotHavePositionsIndexed(f) => {
            format!("{f} holds whole values: phrases only work on raw (no field)")
        }
        other => other.to_string(),
    }
}

/// Total size of the files under `path`.
pub fn dir_size(path: &Path) -> Result<u64> {
    let mut total = 0;
    let mut dirs = vec![path.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                dirs.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    Ok(total)
}

/// What a reconcile (or reindex) changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Parquet files that were indexed.
    pub files_added: usize,
    /// Events indexed from those files.
    pub docs_added: u64,
    /// Indexed files removed because their Parquet file is gone (or was indexed wrongly).
    pub files_removed: usize,
    /// Documents removed with them.
    pub docs_removed: u64,
}

/// Adds and removes documents; the only writer of an index.
pub struct EventIndexWriter {
    writer: IndexWriter,
    fields: Fields,
    events_dir: PathBuf,
    pending: usize,
}

impl EventIndexWriter {
    /// Adds one whole Parquet file's rows; `batch` holds them in file order. Commits
    /// when enough documents are waiting (never in the middle of a file).
    pub fn add_file(&mut self, file: &Path, batch: &RecordBatch) -> Result<()> {
        let rel = self.relative(file)?;
        self.add_rows(&rel, batch, 0)?;
        if self.pending >= COMMIT_EVERY_DOCS {
            self.commit()?;
        }
        Ok(())
    }

    fn add_rows(&mut self, rel: &str, batch: &RecordBatch, first_row: u64) -> Result<()> {
        let f = &self.fields;
        // Columns absent from the batch (an older file) are simply not indexed.
        let exact: Vec<(Field, &dyn Array)> = f
            .exact
            .iter()
            .filter_map(|(name, field)| Some((*field, batch.column_by_name(name)?.as_ref())))
            .collect();
        let raw = batch
            .column_by_name("raw")
            .context("the events file has no raw column")?
            .as_string::<i32>();
        let time = batch
            .column_by_name("time")
            .context("the events file has no time column")?
            .as_primitive::<TimestampMicrosecondType>();
        let mut buf = String::new();
        for i in 0..batch.num_rows() {
            let mut doc = TantivyDocument::new();
            for (field, col) in &exact {
                if col.is_null(i) {
                    continue;
                }
                match col.data_type() {
                    DataType::Utf8 => doc.add_text(*field, col.as_string::<i32>().value(i)),
                    DataType::UInt32 => {
                        use std::fmt::Write;
                        buf.clear();
                        let _ = write!(buf, "{}", col.as_primitive::<UInt32Type>().value(i));
                        doc.add_text(*field, &buf);
                    }
                    other => bail!("cannot index a column of type {other}"),
                }
            }
            doc.add_text(f.raw, raw.value(i));
            doc.add_date(f.time, DateTime::from_timestamp_micros(time.value(i)));
            doc.add_text(f.file, rel);
            doc.add_u64(f.row, first_row + i as u64);
            self.writer.add_document(doc)?;
            self.pending += 1;
        }
        Ok(())
    }

    /// Makes what was added (and deleted) visible and durable.
    pub fn commit(&mut self) -> Result<()> {
        self.writer
            .commit()
            .context("cannot commit the search index")?;
        self.pending = 0;
        Ok(())
    }

    /// Deletes every document of a file (relative to `events/`); visible after commit.
    pub fn remove_file(&mut self, rel: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.file, rel));
    }

    /// Brings the index in line with the Parquet files: indexes files it lacks (or
    /// holds with the wrong number of rows), removes documents of files that are
    /// gone, and commits.
    pub fn reconcile(&mut self, index: &EventIndex, dir: &DataDir) -> Result<Reconciled> {
        let indexed = index.files()?;
        let mut on_disk = BTreeMap::new();
        for path in dir.event_files()? {
            let rows = parquet_rows(&path)?;
            on_disk.insert(self.relative(&path)?, (path, rows));
        }
        let mut done = Reconciled::default();
        for (rel, &live) in &indexed {
            let keep = on_disk.get(rel).is_some_and(|(_, rows)| *rows == live);
            if !keep && live > 0 {
                self.remove_file(rel);
                done.files_removed += 1;
                done.docs_removed += live;
            }
        }
        for (rel, (path, rows)) in &on_disk {
            if indexed.get(rel) == Some(rows) {
                continue;
            }
            self.index_parquet(rel, path)?;
            done.files_added += 1;
            done.docs_added += rows;
        }
        self.commit()?;
        if done != Reconciled::default() {
            tracing::info!(
                files_added = done.files_added,
                docs_added = done.docs_added,
                files_removed = done.files_removed,
                docs_removed = done.docs_removed,
                "brought the search index in line with the stored events"
            );
        }
        Ok(done)
    }

    fn index_parquet(&mut self, rel: &str, path: &Path) -> Result<()> {
        use datafusion::parquet::arrow::ProjectionMask;
        use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
        let wanted: Vec<usize> = builder
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                let n = f.name().as_str();
                n == "raw" || n == "time" || EXACT_FIELDS.contains(&n)
            })
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(8192)
            .build()?;
        let mut row = 0u64;
        for batch in reader {
            let batch = batch.with_context(|| format!("cannot read {}", path.display()))?;
            self.add_rows(rel, &batch, row)?;
            row += batch.num_rows() as u64;
        }
        Ok(())
    }

    /// Commits and waits for background merges, so the process can exit cleanly.
    pub fn finish(mut self) -> Result<()> {
        self.commit()?;
        self.writer
            .wait_merging_threads()
            .context("the search index could not finish merging")?;
        Ok(())
    }

    fn relative(&self, file: &Path) -> Result<String> {
        let rel = file.strip_prefix(&self.events_dir).with_context(|| {
            format!(
                "{} is not under {}",
                file.display(),
                self.events_dir.display()
            )
        })?;
        Ok(rel.to_string_lossy().into_owned())
    }
}

/// Rows in a Parquet file, from its footer.
pub fn parquet_rows(path: &Path) -> Result<u64> {
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = SerializedFileReader::new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    Ok(reader.metadata().file_metadata().num_rows() as u64)
}
