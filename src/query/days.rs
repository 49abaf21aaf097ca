//! Day-partition pruning from `time` predicates.
//!
//! `events` is partitioned by day in `dt`, but analysts write `WHERE time >= ...`.
//! DataFusion prunes partitions only from predicates on `dt` itself, so this
//! optimizer rule derives one: `time >= T` adds `dt >= day(T)`, `time < T` adds
//! `dt <= day(T)`. The derived predicate is implied by the original, so results do
//! not change; only folders that cannot match are never listed or opened.

use chrono::DateTime;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{BinaryExpr, Expr, LogicalPlan, Operator, col, lit};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};
use datafusion::scalar::ScalarValue;

/// Adds `dt` bounds to scans of `events` that filter on `time`.
#[derive(Debug, Default)]
pub struct DayPartitionsFromTime;

impl OptimizerRule for DayPartitionsFromTime {
    fn name(&self) -> &str {
        "qtrail_day_partitions_from_time"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::TableScan(mut scan) = plan else {
            return Ok(Transformed::no(plan));
        };
        if scan.table_name.table() != "events" {
            return Ok(Transformed::no(LogicalPlan::TableScan(scan)));
        }
        let derived: Vec<Expr> = scan
            .filters
            .iter()
            .flat_map(split_conjunction)
            .filter_map(day_bound)
            .filter(|e| !scan.filters.contains(e))
            .collect();
        if derived.is_empty() {
            return Ok(Transformed::no(LogicalPlan::TableScan(scan)));
        }
        scan.filters.extend(derived);
        Ok(Transformed::yes(LogicalPlan::TableScan(scan)))
    }
}

/// The `dt` bound a comparison of `time` with a timestamp literal implies.
fn day_bound(expr: &Expr) -> Option<Expr> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = expr else {
        return None;
    };
    let (op, value) = match (is_time(left), is_time(right)) {
        (true, false) => (*op, micros(right)?),
        (false, true) => (op.swap()?, micros(left)?),
        _ => return None,
    };
    let day = DateTime::from_timestamp_micros(value)?
        .format("%Y-%m-%d")
        .to_string();
    match op {
        Operator::Gt | Operator::GtEq => Some(col("dt").gt_eq(lit(day))),
        Operator::Lt | Operator::LtEq => Some(col("dt").lt_eq(lit(day))),
        Operator::Eq => Some(col("dt").eq(lit(day))),
        _ => None,
    }
}

fn is_time(e: &Expr) -> bool {
    match e {
        Expr::Column(c) => c.name == "time",
        Expr::Cast(c) => is_time(&c.expr),
        _ => false,
    }
}

fn micros(e: &Expr) -> Option<i64> {
    let Expr::Literal(v, _) = e else { return None };
    match v {
        ScalarValue::TimestampSecond(Some(s), _) => s.checked_mul(1_000_000),
        ScalarValue::TimestampMillisecond(Some(ms), _) => ms.checked_mul(1_000),
        ScalarValue::TimestampMicrosecond(Some(us), _) => Some(*us),
        ScalarValue::TimestampNanosecond(Some(ns), _) => Some(ns.div_euclid(1_000)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Expr {
        let us = DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
        lit(ScalarValue::TimestampMicrosecond(
            Some(us),
            Some("UTC".into()),
        ))
    }

    #[test]
    fn time_comparisons_imply_day_bounds() {
        assert_eq!(
            day_bound(&col("time").gt_eq(ts("2026-10-01T12:00:00Z"))),
            Some(col("dt").gt_eq(lit("2026-10-01")))
        );
        assert_eq!(
            day_bound(&ts("2026-10-03T00:00:00Z").gt(col("time"))),
            Some(col("dt").lt_eq(lit("2026-10-03")))
        );
        assert_eq!(
            day_bound(&col("ingested_at").gt(ts("2026-10-01T00:00:00Z"))),
            None
        );
        assert_eq!(
            day_bound(&col("time").not_eq(ts("2026-10-01T00:00:00Z"))),
            None
        );
    }
}
