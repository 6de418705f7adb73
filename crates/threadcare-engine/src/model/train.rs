//! Fitting a [`Linear`] model: logistic or softmax regression with L2, by AdaGrad (Duchi, Hazan
//! and Singer 2011) over examples in an order shuffled with a fixed seed.
//!
//! Deterministic: one thread, a fixed visiting order per seed, and the same arithmetic in the
//! same order on every run. The L2 penalty is applied lazily: between two updates of a weight its
//! AdaGrad step size does not change, so the decay of the skipped steps is applied in one go when
//! the weight is next touched (and for every weight at the end), which equals decaying it at
//! every step.

use rustc_hash::FxHashMap;

use super::features::Sparse;
use super::linear::{outputs, probabilities, Linear};

/// How examples of each class are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassWeight {
    /// Every example counts once.
    Equal,
    /// Each class counts as much as the others in total (`n / (k × n_class)`).
    Balanced,
    /// Halfway (the square root of the balanced weight, scaled to a mean of one).
    Sqrt,
}

impl ClassWeight {
    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::Equal => "equal",
            ClassWeight::Balanced => "balanced",
            ClassWeight::Sqrt => "sqrt-balanced",
        }
    }
}

/// Hyper-parameters of one fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// L2 strength λ in `mean loss + λ/2 ‖w‖²` (the bias is not penalised).
    pub l2: f64,
    pub epochs: usize,
    /// AdaGrad base step.
    pub rate: f64,
    /// Seed of the visiting order.
    pub seed: u64,
    pub class_weight: ClassWeight,
    /// Features present in fewer training examples than this are not used.
    pub min_df: u32,
    /// Weights whose magnitude (largest over outputs) is below this are not kept.
    pub prune: f32,
    /// Fits averaged: this many fits, with seeds `seed`, `seed + 1`, …, whose weights and
    /// biases are averaged into one model (1: a single fit). Averaging fits that visited the
    /// examples in different orders smooths out AdaGrad's dependence on the last examples seen.
    pub average: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            l2: 1e-4,
            epochs: 12,
            rate: 0.3,
            seed: 1,
            class_weight: ClassWeight::Equal,
            min_df: 2,
            prune: 1e-3,
            average: 1,
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small generator with a fixed sequence per seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// The weight of each class's examples.
pub fn class_weights(ys: &[usize], classes: usize, how: ClassWeight) -> Vec<f64> {
    let mut n = vec![0usize; classes];
    for &y in ys {
        n[y] += 1;
    }
    let total = ys.len().max(1) as f64;
    let balanced: Vec<f64> = n
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                total / (classes as f64 * c as f64)
            }
        })
        .collect();
    match how {
        ClassWeight::Equal => vec![1.0; classes],
        ClassWeight::Balanced => balanced,
        ClassWeight::Sqrt => {
            let w: Vec<f64> = balanced.iter().map(|b| b.sqrt()).collect();
            let mean = ys.iter().map(|&y| w[y]).sum::<f64>() / total;
            w.iter()
                .map(|x| if mean > 0.0 { x / mean } else { 1.0 })
                .collect()
        }
    }
}

/// Fits a model of `labels.len()` classes on examples `xs` with classes `ys`.
pub fn fit(name: &str, labels: &[&str], xs: &[&Sparse], ys: &[usize], cfg: &Config) -> Linear {
    fit_scaled(name, labels, xs, ys, cfg, 0.0)
}

/// Naive Bayes feature scales (after Wang and Manning 2012, NBSVM), learned on the training
/// examples only: for each class against the others, the log-ratio of the feature's smoothed
/// share of presences in the class and in the rest; a feature's scale is the largest magnitude
/// over the classes (one class for two), raised to `power`. Features that tell the classes
/// apart get larger values, so a given weight moves the score more and costs less L2.
pub fn nb_scales(
    data: &[Vec<(u32, f64)>],
    ys: &[usize],
    classes: usize,
    d: usize,
    power: f64,
) -> Vec<f64> {
    let alpha = 1.0;
    let mut count = vec![0.0f64; d * classes];
    for (x, &y) in data.iter().zip(ys) {
        for &(j, v) in x {
            if v != 0.0 {
                count[j as usize * classes + y] += 1.0;
            }
        }
    }
    let mut total = vec![0.0f64; classes];
    for j in 0..d {
        for c in 0..classes {
            total[c] += count[j * classes + c] + alpha;
        }
    }
    let all: f64 = total.iter().sum();
    let against = if classes == 2 { 1..2 } else { 0..classes };
    (0..d)
        .map(|j| {
            let row = &count[j * classes..j * classes + classes];
            let sum: f64 = row.iter().map(|c| c + alpha).sum();
            let mut r = 0.0f64;
            for c in against.clone() {
                let p = (row[c] + alpha) / total[c];
                let q = (sum - row[c] - alpha) / (all - total[c]);
                r = r.max((p / q).ln().abs());
            }
            r.powf(power)
        })
        .collect()
}

/// [`fit`] with the features scaled by their [`nb_scales`] to `power` (0: unscaled). The scales
/// are folded into the returned weights, so the model reads unscaled features like any other.
pub fn fit_scaled(
    name: &str,
    labels: &[&str],
    xs: &[&Sparse],
    ys: &[usize],
    cfg: &Config,
    power: f64,
) -> Linear {
    assert_eq!(xs.len(), ys.len(), "one class per example");
    let classes = labels.len();
    assert!(classes >= 2, "at least two classes");
    assert!(
        ys.iter().all(|&y| y < classes),
        "a class outside the labels"
    );
    let k = outputs(classes);

    // Slots used by at least `min_df` examples, numbered densely.
    let mut df: FxHashMap<u32, u32> = FxHashMap::default();
    for x in xs {
        for &(slot, _) in &x.0 {
            *df.entry(slot).or_insert(0) += 1;
        }
    }
    let mut kept: Vec<u32> = df
        .iter()
        .filter(|(_, &n)| n >= cfg.min_df)
        .map(|(&s, _)| s)
        .collect();
    kept.sort_unstable();
    let local: FxHashMap<u32, u32> = kept
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, i as u32))
        .collect();
    let data: Vec<Vec<(u32, f64)>> = xs
        .iter()
        .map(|x| {
            x.0.iter()
                .filter_map(|&(s, v)| local.get(&s).map(|&j| (j, v as f64)))
                .collect()
        })
        .collect();

    let weight = class_weights(ys, classes, cfg.class_weight);
    let d = kept.len();
    let scale = if power > 0.0 {
        Some(nb_scales(&data, ys, classes, d, power))
    } else {
        None
    };
    let data: Vec<Vec<(u32, f64)>> = match &scale {
        Some(sc) => data
            .into_iter()
            .map(|x| {
                x.into_iter()
                    .map(|(j, v)| (j, v * sc[j as usize]))
                    .collect()
            })
            .collect(),
        None => data,
    };
    let fits = cfg.average.max(1);
    let mut w = vec![0.0f64; d * k];
    let mut bias = vec![0.0f64; k];
    for n in 0..fits {
        let (wn, bn) = fit_once(
            &data,
            ys,
            &weight,
            d,
            k,
            cfg,
            cfg.seed.wrapping_add(n as u64),
        );
        for (a, b) in w.iter_mut().zip(&wn) {
            *a += b / fits as f64;
        }
        for (a, b) in bias.iter_mut().zip(&bn) {
            *a += b / fits as f64;
        }
    }
    let mut rows = Vec::new();
    for (j, &slot) in kept.iter().enumerate() {
        let sj = scale.as_ref().map_or(1.0, |sc| sc[j]);
        let row: Vec<f32> = w[j * k..j * k + k]
            .iter()
            .map(|&x| (x * sj) as f32)
            .collect();
        if row.iter().any(|x| x.abs() >= cfg.prune) {
            rows.push((slot, row));
        }
    }
    let labels = labels.iter().map(|l| l.to_string()).collect();
    Linear::new(name, labels, bias.iter().map(|&b| b as f32).collect(), rows)
}

/// One AdaGrad fit over the densely numbered examples `data`: the weights (`d × k`, row by row)
/// and biases, with the L2 decay of the last steps applied.
fn fit_once(
    data: &[Vec<(u32, f64)>],
    ys: &[usize],
    weight: &[f64],
    d: usize,
    k: usize,
    cfg: &Config,
    seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut w = vec![0.0f64; d * k];
    let mut g2 = vec![0.0f64; d * k];
    let mut last = vec![0u64; d];
    let mut bias = vec![0.0f64; k];
    let mut bias_g2 = vec![0.0f64; k];
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut t: u64 = 0;
    let decay = |w: &mut [f64], g2: &[f64], steps: u64| {
        if steps == 0 || cfg.l2 == 0.0 {
            return;
        }
        for (wi, gi) in w.iter_mut().zip(g2) {
            if *gi > 0.0 {
                let f = (1.0 - cfg.rate / gi.sqrt() * cfg.l2).max(0.0);
                *wi *= f.powi(steps.min(i32::MAX as u64) as i32);
            }
        }
    };
    let mut scores = vec![0.0f32; k];
    let mut grad = vec![0.0f64; k];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let x = &data[i];
            let y = ys[i];
            for (o, s) in scores.iter_mut().enumerate() {
                *s = bias[o] as f32;
            }
            for &(j, v) in x {
                let j = j as usize;
                decay(&mut w[j * k..j * k + k], &g2[j * k..j * k + k], t - last[j]);
                last[j] = t;
                for o in 0..k {
                    scores[o] += (w[j * k + o] * v) as f32;
                }
            }
            let p = probabilities(&scores);
            if k == 1 {
                grad[0] = weight[y] * (p[1] as f64 - (y == 1) as u8 as f64);
            } else {
                for o in 0..k {
                    grad[o] = weight[y] * (p[o] as f64 - (y == o) as u8 as f64);
                }
            }
            for &(j, v) in x {
                let at = j as usize * k;
                for (o, go) in grad.iter().enumerate() {
                    let g = go * v;
                    if g != 0.0 {
                        g2[at + o] += g * g;
                        w[at + o] -= cfg.rate * g / g2[at + o].sqrt();
                    }
                }
            }
            for o in 0..k {
                if grad[o] != 0.0 {
                    bias_g2[o] += grad[o] * grad[o];
                    bias[o] -= cfg.rate * grad[o] / bias_g2[o].sqrt();
                }
            }
            t += 1;
        }
    }
    for j in 0..d {
        decay(&mut w[j * k..j * k + k], &g2[j * k..j * k + k], t - last[j]);
    }
    (w, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A separable problem: class 0 has slot 1 (and noise slots), class 1 has slot 2, class 2
    /// has both.
    fn problem(n: usize) -> (Vec<Sparse>, Vec<usize>) {
        let mut rng = SplitMix64::new(9);
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..n {
            let y = i % 3;
            let mut e = vec![(10 + (rng.next_u64() % 20) as u32, 0.5)];
            match y {
                0 => e.push((1, 1.0)),
                1 => e.push((2, 1.0)),
                _ => {
                    e.push((1, 1.0));
                    e.push((2, 1.0));
                    e.push((3, 1.0));
                }
            }
            xs.push(Sparse::from_entries(e));
            ys.push(y);
        }
        (xs, ys)
    }

    #[test]
    fn learns_a_separable_problem_deterministically() {
        let (xs, ys) = problem(90);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let cfg = Config {
            epochs: 30,
            ..Config::default()
        };
        let m = fit("t", &["a", "b", "c"], &refs, &ys, &cfg);
        let right = xs
            .iter()
            .zip(&ys)
            .filter(|(x, &y)| m.predict(x) == y)
            .count();
        assert_eq!(right, 90, "learns every training example");
        let again = fit("t", &["a", "b", "c"], &refs, &ys, &cfg);
        assert_eq!(
            m.to_file(),
            again.to_file(),
            "the same model from the same seed"
        );
        let other = fit(
            "t",
            &["a", "b", "c"],
            &refs,
            &ys,
            &Config { seed: 2, ..cfg },
        );
        assert_ne!(
            m.to_file(),
            other.to_file(),
            "another seed visits in another order"
        );

        // Two classes: one output, logistic.
        let ys2: Vec<usize> = ys.iter().map(|&y| (y == 1) as usize).collect();
        let b = fit("b", &["no", "yes"], &refs, &ys2, &cfg);
        assert_eq!(b.outputs(), 1);
        let right = xs
            .iter()
            .zip(&ys2)
            .filter(|(x, &y)| b.predict(x) == y)
            .count();
        assert_eq!(right, 90);
    }

    #[test]
    fn rare_features_are_dropped_and_small_weights_pruned() {
        let (xs, ys) = problem(30);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let mut with_rare = xs.clone();
        with_rare[0] = with_rare[0].join(&Sparse(vec![(99_999, 1.0)]));
        let refs_rare: Vec<&Sparse> = with_rare.iter().collect();
        let m = fit("t", &["a", "b", "c"], &refs_rare, &ys, &Config::default());
        assert!(m.weights(99_999).is_none(), "seen in one example only");
        assert!(m.weights(1).is_some());
        let pruned = fit(
            "t",
            &["a", "b", "c"],
            &refs,
            &ys,
            &Config {
                prune: 10.0,
                ..Config::default()
            },
        );
        assert!(pruned.is_empty());
    }

    #[test]
    fn strong_l2_shrinks_weights() {
        let (xs, ys) = problem(60);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let size = |m: &Linear| m.weights(1).unwrap().iter().map(|w| w.abs()).sum::<f32>();
        let weak = fit(
            "t",
            &["a", "b", "c"],
            &refs,
            &ys,
            &Config {
                l2: 0.0,
                ..Config::default()
            },
        );
        let strong = fit(
            "t",
            &["a", "b", "c"],
            &refs,
            &ys,
            &Config {
                l2: 0.05,
                ..Config::default()
            },
        );
        assert!(
            size(&strong) < size(&weak) * 0.7,
            "{} vs {}",
            size(&strong),
            size(&weak)
        );
    }

    #[test]
    fn averaged_fits_are_the_mean_of_the_single_fits() {
        let (xs, ys) = problem(60);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let cfg = Config {
            prune: 0.0,
            ..Config::default()
        };
        let labels = ["a", "b", "c"];
        let one = fit("t", &labels, &refs, &ys, &cfg);
        let two = fit("t", &labels, &refs, &ys, &Config { seed: 2, ..cfg });
        let avg = fit("t", &labels, &refs, &ys, &Config { average: 2, ..cfg });
        for slot in [1, 2, 3] {
            let (a, b, m) = (
                one.weights(slot).unwrap(),
                two.weights(slot).unwrap(),
                avg.weights(slot).unwrap(),
            );
            for o in 0..3 {
                assert!(
                    (m[o] - (a[o] + b[o]) / 2.0).abs() < 1e-5,
                    "slot {slot}: {m:?} vs {a:?} and {b:?}"
                );
            }
        }
        for o in 0..3 {
            assert!((avg.bias[o] - (one.bias[o] + two.bias[o]) / 2.0).abs() < 1e-5);
        }
        assert_eq!(
            fit("t", &labels, &refs, &ys, &Config { average: 1, ..cfg }).to_file(),
            one.to_file(),
            "one fit is the plain fit"
        );
    }

    #[test]
    fn naive_bayes_scales_favour_telling_features_and_fold_into_the_weights() {
        // Slot 0 (local) in every example, slot 1 only in class 1, slot 2 in half of each.
        let data: Vec<Vec<(u32, f64)>> = (0..40)
            .map(|i| {
                let mut x = vec![(0, 1.0)];
                if i % 2 == 1 {
                    x.push((1, 1.0));
                }
                if i % 4 < 2 {
                    x.push((2, 1.0));
                }
                x
            })
            .collect();
        let ys: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let s = nb_scales(&data, &ys, 2, 3, 1.0);
        assert!(s[1] > 2.0, "a feature of one class only: {s:?}");
        assert!(
            s[0] < s[1] / 4.0 && (s[0] - s[2]).abs() < 1e-12,
            "features of both classes alike: {s:?}"
        );
        let half = nb_scales(&data, &ys, 2, 3, 0.5);
        assert!((half[1] - s[1].sqrt()).abs() < 1e-12);
        // A scaled fit reads unscaled features: it still learns the problem.
        let (xs, ys) = problem(90);
        let refs: Vec<&Sparse> = xs.iter().collect();
        let cfg = Config {
            epochs: 30,
            ..Config::default()
        };
        let m = fit_scaled("t", &["a", "b", "c"], &refs, &ys, &cfg, 1.0);
        let right = xs
            .iter()
            .zip(&ys)
            .filter(|(x, &y)| m.predict(x) == y)
            .count();
        assert_eq!(right, 90);
        assert_eq!(
            fit_scaled("t", &["a", "b", "c"], &refs, &ys, &cfg, 0.0).to_file(),
            fit("t", &["a", "b", "c"], &refs, &ys, &cfg).to_file(),
            "power 0 is the plain fit"
        );
    }

    #[test]
    fn balanced_class_weights() {
        let ys = [0, 0, 0, 1];
        assert_eq!(
            class_weights(&ys, 2, ClassWeight::Balanced),
            vec![4.0 / 6.0, 2.0]
        );
        assert_eq!(class_weights(&ys, 2, ClassWeight::Equal), vec![1.0, 1.0]);
        let s = class_weights(&ys, 2, ClassWeight::Sqrt);
        let mean = (3.0 * s[0] + s[1]) / 4.0;
        assert!((mean - 1.0).abs() < 1e-12 && s[1] > s[0]);
    }
}
