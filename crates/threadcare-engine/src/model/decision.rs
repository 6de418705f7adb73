//! Decision rules of the three-grade models (EPITOME): which grade to give from a model's
//! class scores, chosen on validation data.
//!
//! A softmax model's most probable grade maximises accuracy, not macro-F1: with grades as
//! unequal as EPITOME's (most replies have no interpretation, few a strong one), the rare grade's
//! F1 counts a third of macro-F1 and its boundary matters most. A per-grade offset added to the
//! log-probabilities moves those boundaries; offsets are chosen on out-of-fold predictions (never
//! on a test split) by a small grid, and their own effect is measured by nested cross-validation
//! (offsets chosen on the other folds' predictions, applied to the held-out fold).

/// The offsets tried for each of the grades after the first (the first stays at 0: only
/// differences between offsets matter): -1.5 to 1.5 in steps of 0.1.
pub fn offset_grid() -> Vec<f32> {
    (-15..=15).map(|i| i as f32 / 10.0).collect()
}

/// Macro-F1 over three classes from a confusion matrix (`c[truth][pred]`); a class without a
/// true positive counts F1 0.
pub fn macro_f1_of(c: &[[u32; 3]; 3]) -> f64 {
    let mut sum = 0.0;
    for (k, row) in c.iter().enumerate() {
        let tp = row[k] as f64;
        let truth: f64 = row.iter().map(|&x| x as f64).sum();
        let pred: f64 = (0..3).map(|t| c[t][k] as f64).sum();
        if tp > 0.0 {
            let p = tp / pred;
            let r = tp / truth;
            sum += 2.0 * p * r / (p + r);
        }
    }
    sum / 3.0
}

/// F1 of each of the three classes from a confusion matrix (`c[truth][pred]`).
pub fn f1_per_class(c: &[[u32; 3]; 3]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (k, row) in c.iter().enumerate() {
        let tp = row[k] as f64;
        let truth: f64 = row.iter().map(|&x| x as f64).sum();
        let pred: f64 = (0..3).map(|t| c[t][k] as f64).sum();
        if tp > 0.0 {
            out[k] = 2.0 * tp / (truth + pred);
        }
    }
    out
}

/// The confusion matrix (`c[truth][pred]`) of the grades given to `rows` with `offsets`.
pub fn confusion_at(
    lp: &[[f32; 3]],
    ys: &[usize],
    floor: &[u8],
    rows: &[usize],
    offsets: &[f32; 3],
) -> [[u32; 3]; 3] {
    let mut c = [[0u32; 3]; 3];
    for &i in rows {
        c[ys[i]][grade(&lp[i], offsets, floor[i]) as usize] += 1;
    }
    c
}

/// The grade given to log-probabilities `lp` with `offsets`, raised to `floor` (the rules'
/// grade when combined by `max`, else 0).
pub fn grade(lp: &[f32; 3], offsets: &[f32; 3], floor: u8) -> u8 {
    let mut best = 0;
    let mut top = lp[0] + offsets[0];
    for k in 1..3 {
        let v = lp[k] + offsets[k];
        if v > top {
            top = v;
            best = k;
        }
    }
    (best as u8).max(floor)
}

/// Macro-F1 of the grades given to the rows `rows` (indices into `lp`, `ys`, `floor`).
pub fn macro_f1_at(
    lp: &[[f32; 3]],
    ys: &[usize],
    floor: &[u8],
    rows: &[usize],
    offsets: &[f32; 3],
) -> f64 {
    let mut c = [[0u32; 3]; 3];
    for &i in rows {
        c[ys[i]][grade(&lp[i], offsets, floor[i]) as usize] += 1;
    }
    macro_f1_of(&c)
}

/// The offsets of [`offset_grid`] with the best macro-F1 on `rows`; among equals the one
/// closest to no offsets (then the first found), so that without a gain nothing moves.
pub fn best_offsets(
    lp: &[[f32; 3]],
    ys: &[usize],
    floor: &[u8],
    rows: &[usize],
) -> ([f32; 3], f64) {
    let grid = offset_grid();
    let mut best = ([0.0f32; 3], macro_f1_at(lp, ys, floor, rows, &[0.0; 3]));
    let size = |o: &[f32; 3]| o[1].abs() + o[2].abs();
    for &a in &grid {
        for &b in &grid {
            let o = [0.0, a, b];
            let f = macro_f1_at(lp, ys, floor, rows, &o);
            if f > best.1 + 1e-12 || ((f - best.1).abs() <= 1e-12 && size(&o) < size(&best.0)) {
                best = (o, f);
            }
        }
    }
    best
}

/// Nested cross-validation of [`best_offsets`]: for each fold, offsets chosen on the other
/// folds' rows are applied to its rows; the pooled macro-F1 of those grades.
pub fn nested_macro_f1(
    lp: &[[f32; 3]],
    ys: &[usize],
    floor: &[u8],
    fold: &[usize],
    k: usize,
) -> f64 {
    let mut c = [[0u32; 3]; 3];
    for f in 0..k {
        let inner: Vec<usize> = (0..ys.len()).filter(|&i| fold[i] != f).collect();
        let (o, _) = best_offsets(lp, ys, floor, &inner);
        for i in (0..ys.len()).filter(|&i| fold[i] == f) {
            c[ys[i]][grade(&lp[i], &o, floor[i]) as usize] += 1;
        }
    }
    macro_f1_of(&c)
}

/// A grade table: `t[g][r]` is the grade given when the model's grade is `g` and the rules'
/// grade is `r`. It generalises the two combinations the engine knows (`model`: `t[g][r] = g`;
/// `max`: `t[g][r] = max(g, r)`). The trainer cross-validates the best table for the record;
/// it did not beat those two (`models/README.md`), so no model file uses one.
pub type Table = [[u8; 3]; 3];

/// The table of the combination `model`.
pub const MODEL_TABLE: Table = [[0, 0, 0], [1, 1, 1], [2, 2, 2]];

/// A table as the trainer's log writes it: `table` and the rows for model grades 0, 1 and 2,
/// each the grades for rules' grades 0, 1 and 2 (`table 012 112 222` is `max`).
pub fn table_text(t: &Table) -> String {
    let row = |r: &[u8; 3]| r.iter().map(|g| g.to_string()).collect::<String>();
    format!("table {} {} {}", row(&t[0]), row(&t[1]), row(&t[2]))
}

/// Counts of (model grade, rules' grade, true grade) over `rows`.
fn cells(g: &[u8], r: &[u8], ys: &[usize], rows: &[usize]) -> [[[u32; 3]; 3]; 3] {
    let mut n = [[[0u32; 3]; 3]; 3];
    for &i in rows {
        n[g[i].min(2) as usize][r[i].min(2) as usize][ys[i]] += 1;
    }
    n
}

fn table_confusion(n: &[[[u32; 3]; 3]; 3], t: &Table) -> [[u32; 3]; 3] {
    let mut c = [[0u32; 3]; 3];
    for g in 0..3 {
        for r in 0..3 {
            for y in 0..3 {
                c[y][t[g][r] as usize] += n[g][r][y];
            }
        }
    }
    c
}

/// The table (of all 3^9) with the best macro-F1 on `rows`, given each row's model grade `g`
/// and rules' grade `r`; among equals the one differing from [`MODEL_TABLE`] in the fewest
/// cells, so that without a gain nothing moves.
pub fn best_table(g: &[u8], r: &[u8], ys: &[usize], rows: &[usize]) -> (Table, f64) {
    let n = cells(g, r, ys, rows);
    let mut best = (MODEL_TABLE, macro_f1_of(&table_confusion(&n, &MODEL_TABLE)));
    let differs = |t: &Table| {
        (0..9)
            .filter(|&k| t[k / 3][k % 3] != MODEL_TABLE[k / 3][k % 3])
            .count()
    };
    for code in 0..3u32.pow(9) {
        let mut t = [[0u8; 3]; 3];
        let mut c = code;
        for k in 0..9 {
            t[k / 3][k % 3] = (c % 3) as u8;
            c /= 3;
        }
        let f = macro_f1_of(&table_confusion(&n, &t));
        if f > best.1 + 1e-12 || ((f - best.1).abs() <= 1e-12 && differs(&t) < differs(&best.0)) {
            best = (t, f);
        }
    }
    best
}

/// Nested cross-validation of a grade table with offsets: for each fold, offsets (for the
/// model alone) and then the table are chosen on the other folds' rows and applied to its rows;
/// the pooled macro-F1 and confusion matrix. Without `offsets`, the most probable grade.
pub fn nested_table_macro_f1(
    lp: &[[f32; 3]],
    ys: &[usize],
    rule: &[u8],
    fold: &[usize],
    k: usize,
    offsets: bool,
) -> (f64, [[u32; 3]; 3]) {
    let none = vec![0u8; ys.len()];
    let mut c = [[0u32; 3]; 3];
    for f in 0..k {
        let inner: Vec<usize> = (0..ys.len()).filter(|&i| fold[i] != f).collect();
        let o = if offsets {
            best_offsets(lp, ys, &none, &inner).0
        } else {
            [0.0; 3]
        };
        let g: Vec<u8> = lp.iter().map(|l| grade(l, &o, 0)).collect();
        let (t, _) = best_table(&g, rule, ys, &inner);
        for i in (0..ys.len()).filter(|&i| fold[i] == f) {
            c[ys[i]][t[g[i] as usize][rule[i].min(2) as usize] as usize] += 1;
        }
    }
    (macro_f1_of(&c), c)
}

/// Log-probabilities of three ordered grades from two binary models (Frank and Hall 2001):
/// `p1` = P(grade ≥ 1), `p2` = P(grade ≥ 2). P(2) = min(p1, p2) keeps them consistent.
pub fn ordinal_log_probabilities(p1: f32, p2: f32) -> [f32; 3] {
    let eps = 1e-6f32;
    let p2 = p2.min(p1);
    [
        (1.0 - p1).max(eps).ln(),
        (p1 - p2).max(eps).ln(),
        p2.max(eps).ln(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_matches_the_definition() {
        // truth 0 0 1 2, pred 0 1 1 1: F1 0 = 2/3, F1 1 = 2/3 (p 1/3... ) computed by hand.
        let mut c = [[0u32; 3]; 3];
        for (t, p) in [(0, 0), (0, 1), (1, 1), (2, 1)] {
            c[t][p] += 1;
        }
        // class 0: p 1, r 0.5 → 2/3; class 1: p 1/3, r 1 → 0.5; class 2: 0.
        assert!((macro_f1_of(&c) - (2.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn offsets_recover_a_rare_grade() {
        // The rare grade 2 is never the most probable but is ranked highest for its rows.
        let mut lp = Vec::new();
        let mut ys = Vec::new();
        for i in 0..40 {
            let y = if i < 30 {
                0
            } else if i < 37 {
                1
            } else {
                2
            };
            let row = match y {
                0 => [-0.2, -2.0, -3.0],
                1 => [-1.5, -0.4, -2.5],
                _ => [-0.9, -0.9, -1.2],
            };
            lp.push(row);
            ys.push(y);
        }
        let floor = vec![0u8; ys.len()];
        let rows: Vec<usize> = (0..ys.len()).collect();
        let plain = macro_f1_at(&lp, &ys, &floor, &rows, &[0.0; 3]);
        let (o, f) = best_offsets(&lp, &ys, &floor, &rows);
        assert!(plain < 0.7, "{plain}");
        assert!((f - 1.0).abs() < 1e-12, "{o:?} {f}");
        assert!(o[2] > 0.3, "grade 2 is favoured: {o:?}");
        // Already perfect without offsets: none are chosen.
        let easy: Vec<[f32; 3]> = ys
            .iter()
            .map(|&y| {
                let mut r = [-3.0f32; 3];
                r[y] = -0.1;
                r
            })
            .collect();
        assert_eq!(best_offsets(&easy, &ys, &floor, &rows).0, [0.0; 3]);
        // Nested: each fold's offsets come from the others; here every fold sees the same
        // structure, so the held-out grades are right too.
        let fold: Vec<usize> = (0..ys.len()).map(|i| i % 2).collect();
        assert!((nested_macro_f1(&lp, &ys, &floor, &fold, 2) - 1.0).abs() < 1e-12);
        // A floor (the rules' grade under `max`) raises grades.
        assert_eq!(grade(&[-0.1, -3.0, -3.0], &[0.0; 3], 1), 1);
    }

    #[test]
    fn tables_generalise_model_and_max() {
        let max: Table = [[0, 1, 2], [1, 1, 2], [2, 2, 2]];
        assert_eq!(table_text(&max), "table 012 112 222");
        assert_eq!(table_text(&MODEL_TABLE), "table 000 111 222");
        // The rules' weak grade is right where the model says none, its strong grade is not:
        // the best table takes the rules' grade 1 only.
        let mut g = Vec::new();
        let mut r = Vec::new();
        let mut ys = Vec::new();
        for _ in 0..10 {
            g.push(0);
            r.push(1);
            ys.push(1);
            g.push(0);
            r.push(2);
            ys.push(0);
            g.push(2);
            r.push(0);
            ys.push(2);
            g.push(0);
            r.push(0);
            ys.push(0);
        }
        let rows: Vec<usize> = (0..ys.len()).collect();
        let (t, f) = best_table(&g, &r, &ys, &rows);
        assert!((f - 1.0).abs() < 1e-12, "{t:?}");
        assert_eq!((t[0][0], t[0][1], t[0][2], t[2][0]), (0, 1, 0, 2));
        // Cells no row reaches stay as the model's grade.
        assert_eq!(t[1], MODEL_TABLE[1]);
        // Nested: every fold holds the same structure, so the held-out rows are graded right.
        let lp: Vec<[f32; 3]> = g
            .iter()
            .map(|&k| {
                let mut l = [-3.0f32; 3];
                l[k as usize] = -0.1;
                l
            })
            .collect();
        let fold: Vec<usize> = (0..ys.len()).map(|i| (i / 4) % 2).collect();
        let (f, c) = nested_table_macro_f1(&lp, &ys, &r, &fold, 2, false);
        assert!((f - 1.0).abs() < 1e-12, "{c:?}");
    }

    #[test]
    fn ordinal_probabilities_are_consistent() {
        let lp = ordinal_log_probabilities(0.8, 0.3);
        let p: Vec<f32> = lp.iter().map(|x| x.exp()).collect();
        assert!(
            (p[0] - 0.2).abs() < 1e-5 && (p[1] - 0.5).abs() < 1e-5 && (p[2] - 0.3).abs() < 1e-5
        );
        // P(≥2) above P(≥1) is cut to it: no negative middle grade.
        let lp = ordinal_log_probabilities(0.4, 0.6);
        assert!(lp.iter().all(|x| x.is_finite()));
        assert!((lp[2].exp() - 0.4).abs() < 1e-5);
    }
}
