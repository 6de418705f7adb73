//! Agreement and classification metrics, written out so that every number in the report can be
//! checked by hand.
//!
//! Labels are class indices `0..k`; ordinal metrics (QWK, MAE) read the index as the rank.
//! Undefined values (a kappa with no variation in either rater) are `f64::NAN`; precision,
//! recall and F1 with an empty denominator are 0, as scikit-learn's `zero_division=0`.

/// `m[t][p]`: how many items of true class `t` were predicted as class `p`.
pub fn confusion(truth: &[usize], pred: &[usize], k: usize) -> Vec<Vec<u64>> {
    assert_eq!(
        truth.len(),
        pred.len(),
        "truth and predictions differ in length"
    );
    let mut m = vec![vec![0u64; k]; k];
    for (&t, &p) in truth.iter().zip(pred) {
        assert!(
            t < k && p < k,
            "label out of range 0..{k}: truth {t}, prediction {p}"
        );
        m[t][p] += 1;
    }
    m
}

/// The share of items predicted exactly; NaN when there are none.
pub fn accuracy(truth: &[usize], pred: &[usize]) -> f64 {
    assert_eq!(
        truth.len(),
        pred.len(),
        "truth and predictions differ in length"
    );
    if truth.is_empty() {
        return f64::NAN;
    }
    truth.iter().zip(pred).filter(|(t, p)| t == p).count() as f64 / truth.len() as f64
}

/// Cohen's kappa with quadratic weights (Cohen 1968): agreement on an ordinal scale where a
/// disagreement costs the square of its distance. 1 is perfect, 0 is chance, below 0 worse.
pub fn qwk(truth: &[usize], pred: &[usize], k: usize) -> f64 {
    let m = confusion(truth, pred, k);
    let n = truth.len() as f64;
    if n == 0.0 || k < 2 {
        return f64::NAN;
    }
    let rows: Vec<f64> = m.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let cols: Vec<f64> = (0..k)
        .map(|j| m.iter().map(|r| r[j]).sum::<u64>() as f64)
        .collect();
    let (mut observed, mut expected) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64 - j as f64) / (k as f64 - 1.0)).powi(2);
            observed += w * m[i][j] as f64;
            expected += w * rows[i] * cols[j] / n;
        }
    }
    if expected == 0.0 {
        return f64::NAN;
    }
    1.0 - observed / expected
}

/// Precision, recall and F1 of one class against the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// How many items truly are of this class.
    pub support: u64,
    /// How many items were predicted as this class.
    pub predicted: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1_of(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Scores of every class `0..k`.
pub fn per_class(truth: &[usize], pred: &[usize], k: usize) -> Vec<ClassScores> {
    let m = confusion(truth, pred, k);
    (0..k)
        .map(|c| {
            let tp = m[c][c];
            let support: u64 = m[c].iter().sum();
            let predicted: u64 = m.iter().map(|r| r[c]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            ClassScores {
                precision,
                recall,
                f1: f1_of(precision, recall),
                support,
                predicted,
            }
        })
        .collect()
}

/// The unweighted mean of the F1 of every class `0..k` (classes absent from both truth and
/// predictions count as 0, as scikit-learn does when given `labels=0..k`).
pub fn macro_f1(truth: &[usize], pred: &[usize], k: usize) -> f64 {
    if k == 0 {
        return f64::NAN;
    }
    per_class(truth, pred, k).iter().map(|c| c.f1).sum::<f64>() / k as f64
}

/// Mean absolute error of ordinal labels; NaN when there are none.
pub fn mae(truth: &[usize], pred: &[usize]) -> f64 {
    assert_eq!(
        truth.len(),
        pred.len(),
        "truth and predictions differ in length"
    );
    if truth.is_empty() {
        return f64::NAN;
    }
    truth
        .iter()
        .zip(pred)
        .map(|(&t, &p)| (t as f64 - p as f64).abs())
        .sum::<f64>()
        / truth.len() as f64
}

/// Counts of a two-class prediction, positive = `true`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Binary {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
    pub tn: u64,
}

impl Binary {
    pub fn new(truth: &[bool], pred: &[bool]) -> Binary {
        assert_eq!(
            truth.len(),
            pred.len(),
            "truth and predictions differ in length"
        );
        let mut b = Binary::default();
        for (&t, &p) in truth.iter().zip(pred) {
            match (t, p) {
                (true, true) => b.tp += 1,
                (false, true) => b.fp += 1,
                (true, false) => b.fn_ += 1,
                (false, false) => b.tn += 1,
            }
        }
        b
    }

    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        f1_of(self.precision(), self.recall())
    }

    /// Of the truly negative items, the share predicted positive.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }

    pub fn accuracy(&self) -> f64 {
        if self.total() == 0 {
            f64::NAN
        } else {
            (self.tp + self.tn) as f64 / self.total() as f64
        }
    }
}

/// One confidence bin of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// The bin is `[lo, hi)`; the last one includes 1.
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
    /// NaN for an empty bin.
    pub mean_confidence: f64,
    /// NaN for an empty bin.
    pub accuracy: f64,
}

/// A reliability table and its expected calibration error.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub bins: Vec<Bin>,
    /// Expected calibration error (Naeini et al. 2015; Guo et al. 2017): the mean over items of
    /// |accuracy − mean confidence| of their bin. 0 is perfectly calibrated. NaN when empty.
    pub ece: f64,
}

/// Bins confidences into `n_bins` equal-width bins over [0, 1] (values outside are clamped).
pub fn calibration(confidence: &[f64], correct: &[bool], n_bins: usize) -> Calibration {
    assert_eq!(
        confidence.len(),
        correct.len(),
        "confidences and outcomes differ in length"
    );
    assert!(n_bins > 0, "at least one bin");
    let mut sums = vec![(0u64, 0.0f64, 0u64); n_bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let c = if c.is_nan() { 0.0 } else { c.clamp(0.0, 1.0) };
        let b = ((c * n_bins as f64) as usize).min(n_bins - 1);
        sums[b].0 += 1;
        sums[b].1 += c;
        sums[b].2 += ok as u64;
    }
    let n = confidence.len() as f64;
    let mut ece = 0.0;
    let bins = sums
        .iter()
        .enumerate()
        .map(|(b, &(count, conf, ok))| {
            let (mean_confidence, accuracy) = if count == 0 {
                (f64::NAN, f64::NAN)
            } else {
                (conf / count as f64, ok as f64 / count as f64)
            };
            if count > 0 {
                ece += count as f64 / n * (accuracy - mean_confidence).abs();
            }
            Bin {
                lo: b as f64 / n_bins as f64,
                hi: (b + 1) as f64 / n_bins as f64,
                count,
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    Calibration {
        bins,
        ece: if confidence.is_empty() { f64::NAN } else { ece },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    // The expected values in these tests were computed once with scikit-learn 1.9.1 in Python
    // 3.11 (`cohen_kappa_score(a, b, weights="quadratic")`, `f1_score(a, b, average="macro",
    // labels=[0..k])`, `precision_recall_fscore_support(..., zero_division=0)`,
    // `mean_absolute_error`, `confusion_matrix`) and hard-coded here.
    const A: [usize; 15] = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 2, 2, 1, 3, 4];
    const B: [usize; 15] = [0, 2, 2, 3, 3, 4, 1, 2, 0, 0, 2, 1, 1, 4, 4];

    #[test]
    fn confusion_matches_sklearn() {
        let m = confusion(&A, &B, 5);
        assert_eq!(
            m,
            vec![
                vec![2, 0, 0, 0, 0],
                vec![1, 1, 1, 0, 0],
                vec![0, 1, 3, 0, 0],
                vec![0, 1, 0, 1, 1],
                vec![0, 0, 0, 1, 2],
            ]
        );
    }

    #[test]
    fn qwk_matches_sklearn() {
        close(qwk(&A, &B, 5), 0.8371531966224367);
        close(
            qwk(&[0, 0, 1, 1, 2, 2, 2, 0], &[0, 1, 1, 1, 2, 0, 0, 0], 3),
            0.18181818181818177,
        );
        close(qwk(&[0, 0, 1, 1], &[1, 1, 0, 0], 2), -1.0);
        close(qwk(&A, &A, 5), 1.0);
    }

    #[test]
    fn qwk_by_hand_and_undefined() {
        // Two classes, one error out of four: O = [[1,1],[0,2]], rows (2,2), cols (1,3);
        // E = [[0.5,1.5],[0.5,1.5]]; kappa = 1 - (1 + 0) / (1.5 + 0.5) = 0.5.
        close(qwk(&[0, 0, 1, 1], &[0, 1, 1, 1], 2), 0.5);
        // Both raters constant on the same class: kappa is undefined.
        assert!(qwk(&[2, 2, 2], &[2, 2, 2], 5).is_nan());
        assert!(qwk(&[], &[], 5).is_nan());
    }

    #[test]
    fn per_class_and_macro_f1_match_sklearn() {
        let s = per_class(&A, &B, 5);
        let p = [0.66666667, 0.33333333, 0.75, 0.5, 0.66666667];
        let r = [1.0, 0.33333333, 0.75, 0.33333333, 0.66666667];
        let f = [0.8, 0.33333333, 0.75, 0.4, 0.66666667];
        let support = [2, 3, 4, 3, 3];
        for c in 0..5 {
            assert!((s[c].precision - p[c]).abs() < 1e-8);
            assert!((s[c].recall - r[c]).abs() < 1e-8);
            assert!((s[c].f1 - f[c]).abs() < 1e-8);
            assert_eq!(s[c].support, support[c]);
        }
        close(macro_f1(&A, &B, 5), 0.59);
        close(
            macro_f1(&[0, 0, 1, 1, 2, 2, 2, 0], &[0, 1, 1, 1, 2, 0, 0, 0], 3),
            0.6238095238095238,
        );
        // A class never predicted counts as F1 0.
        close(
            macro_f1(&[0, 0, 1, 1, 1, 2], &[0, 1, 1, 1, 0, 1], 3),
            0.35714285714285715,
        );
    }

    #[test]
    fn mae_and_accuracy() {
        close(mae(&A, &B), 0.4666666666666667);
        close(accuracy(&A, &B), 9.0 / 15.0);
        assert!(mae(&[], &[]).is_nan());
    }

    #[test]
    fn binary_matches_sklearn() {
        let t = [1, 1, 0, 0, 1, 0, 1, 0, 0, 1].map(|x| x == 1);
        let p = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0].map(|x| x == 1);
        let b = Binary::new(&t, &p);
        assert_eq!(
            b,
            Binary {
                tp: 3,
                fp: 2,
                fn_: 2,
                tn: 3
            }
        );
        close(b.precision(), 0.6);
        close(b.recall(), 0.6);
        close(b.f1(), 0.6);
        close(b.false_positive_rate(), 0.4);
        close(b.accuracy(), 0.6);
        let none = Binary::new(&[false, false], &[false, false]);
        assert_eq!(
            (none.precision(), none.recall(), none.f1()),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn calibration_matches_numpy() {
        // Computed once with numpy: bins = min(floor(conf * 5), 4), ECE = sum over bins of
        // n_b / N * |mean(correct) - mean(conf)| = 0.19.
        let conf = [0.1, 0.35, 0.55, 0.6, 0.65, 0.9, 0.95, 1.0, 0.8, 0.2];
        let ok = [0, 1, 1, 0, 1, 1, 1, 0, 1, 0].map(|x| x == 1);
        let c = calibration(&conf, &ok, 5);
        close(c.ece, 0.19);
        let counts: Vec<u64> = c.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [1, 2, 1, 2, 4]);
        close(c.bins[1].mean_confidence, 0.275);
        close(c.bins[1].accuracy, 0.5);
        close(c.bins[4].mean_confidence, 0.9125);
        close(c.bins[4].accuracy, 0.75);
        close(c.bins[4].hi, 1.0);
        // Perfectly calibrated: confidence 0.5, half right.
        close(calibration(&[0.5, 0.5], &[true, false], 5).ece, 0.0);
        let empty = calibration(&[], &[], 5);
        assert!(
            empty.ece.is_nan()
                && empty
                    .bins
                    .iter()
                    .all(|b| b.count == 0 && b.accuracy.is_nan())
        );
    }
}
