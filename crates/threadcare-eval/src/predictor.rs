//! Where a trained component plugs in: a [`Predictor`] is fitted on the training folds and
//! predicts the held-out fold, so that every reported number is out-of-fold. The rules alone
//! ([`RulesOnly`]) learn nothing: their out-of-fold predictions equal their predictions on all
//! rows, and the cross-validation reports them fold by fold all the same.

use crate::gaur::UserView;

/// A predicted class with how sure the predictor is of it (0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub label: usize,
    pub confidence: f64,
}

/// Something that maps inputs to ordinal classes, possibly after learning from labelled ones.
pub trait Predictor {
    type Input;
    /// A short name for the report.
    fn name(&self) -> String;
    /// Learns from the training rows (`labels[i]` is the class of `train[i]`).
    fn fit(&mut self, train: &[&Self::Input], labels: &[usize]);
    /// Predicts each test row.
    fn predict(&self, test: &[&Self::Input]) -> Vec<Prediction>;
    /// What the last [`Predictor::fit`] chose (settings picked by an inner validation), for the
    /// report; `None` when it chooses nothing.
    fn chosen(&self) -> Option<String> {
        None
    }
}

/// Gaur500 by the engine's rules only: a user's class is the most severe class of any of their
/// posts (see [`crate::gaur`] for the post mapping). Nothing is fitted.
#[derive(Debug, Clone, Copy, Default)]
pub struct RulesOnly;

impl Predictor for RulesOnly {
    type Input = UserView;

    fn name(&self) -> String {
        "rules only (most severe post)".into()
    }

    fn fit(&mut self, _train: &[&UserView], _labels: &[usize]) {}

    fn predict(&self, test: &[&UserView]) -> Vec<Prediction> {
        test.iter().map(|u| u.most_severe()).collect()
    }
}

/// The engine's deterministic generator (SplitMix64), so that folds are the same on every
/// machine and every run for a given seed, and training and evaluation shuffle alike.
pub use threadcare_engine::model::train::SplitMix64;

/// Stratified fold assignment: each class's rows are shuffled with `seed` and dealt to folds in
/// turn, so every fold holds about the same share of every class. Returns each row's fold.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Vec<usize> {
    assert!(k > 0, "at least one fold");
    let mut rng = SplitMix64::new(seed);
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for class in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut rows);
        for r in rows {
            fold[r] = next % k;
            next += 1;
        }
    }
    fold
}

/// Out-of-fold predictions of a freshly made predictor per fold.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    pub name: String,
    pub k: usize,
    pub seed: u64,
    /// Each row's fold.
    pub fold: Vec<usize>,
    /// Each row's prediction by the predictor that did not see it.
    pub predictions: Vec<Prediction>,
    /// What each fold's predictor chose when fitted ([`Predictor::chosen`]), in fold order.
    pub chosen: Vec<String>,
}

/// Runs k-fold cross-validation: for each fold, `make()` a predictor, fit it on the other folds
/// and predict this one.
pub fn cross_validate<P: Predictor>(
    make: impl Fn() -> P,
    inputs: &[P::Input],
    labels: &[usize],
    k: usize,
    seed: u64,
) -> CrossValidation {
    assert_eq!(
        inputs.len(),
        labels.len(),
        "inputs and labels differ in length"
    );
    let fold = stratified_folds(labels, k, seed);
    let mut predictions: Vec<Option<Prediction>> = vec![None; inputs.len()];
    let mut name = make().name();
    let mut chosen = Vec::new();
    for f in 0..k {
        let train: Vec<usize> = (0..inputs.len()).filter(|&i| fold[i] != f).collect();
        let test: Vec<usize> = (0..inputs.len()).filter(|&i| fold[i] == f).collect();
        if test.is_empty() {
            continue;
        }
        let mut p = make();
        name = p.name();
        let train_inputs: Vec<&P::Input> = train.iter().map(|&i| &inputs[i]).collect();
        let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        p.fit(&train_inputs, &train_labels);
        chosen.extend(p.chosen());
        let test_inputs: Vec<&P::Input> = test.iter().map(|&i| &inputs[i]).collect();
        let out = p.predict(&test_inputs);
        assert_eq!(
            out.len(),
            test.len(),
            "a predictor must predict every test row"
        );
        for (&i, pred) in test.iter().zip(out) {
            predictions[i] = Some(pred);
        }
    }
    let predictions = predictions
        .into_iter()
        .map(|p| p.expect("every row is in exactly one fold"))
        .collect();
    CrossValidation {
        name,
        k,
        seed,
        fold,
        predictions,
        chosen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_deterministic_and_cover_every_row() {
        let labels: Vec<usize> = (0..103).map(|i| [0, 0, 0, 1, 2, 2, 3, 4][i % 8]).collect();
        let a = stratified_folds(&labels, 5, 42);
        assert_eq!(a, stratified_folds(&labels, 5, 42));
        assert_ne!(a, stratified_folds(&labels, 5, 43));
        for class in 0..5 {
            let sizes: Vec<usize> = (0..5)
                .map(|f| {
                    (0..labels.len())
                        .filter(|&i| labels[i] == class && a[i] == f)
                        .count()
                })
                .collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "class {class}: {sizes:?}");
        }
        let total: Vec<usize> = (0..5)
            .map(|f| a.iter().filter(|&&x| x == f).count())
            .collect();
        assert_eq!(total.iter().sum::<usize>(), 103);
        assert!(
            total.iter().max().unwrap() - total.iter().min().unwrap() <= 1,
            "{total:?}"
        );
    }

    /// Predicts the majority class of its training rows: shows that fitting sees only the
    /// training folds.
    struct Majority(usize, Vec<usize>);

    impl Predictor for Majority {
        type Input = usize;
        fn name(&self) -> String {
            "majority".into()
        }
        fn fit(&mut self, train: &[&usize], labels: &[usize]) {
            let mut counts = [0usize; 3];
            for l in labels {
                counts[*l] += 1;
            }
            self.0 = (0..3)
                .max_by_key(|&c| (counts[c], std::cmp::Reverse(c)))
                .unwrap();
            self.1 = train.iter().map(|&&x| x).collect();
        }
        fn predict(&self, test: &[&usize]) -> Vec<Prediction> {
            for t in test {
                assert!(
                    !self.1.contains(t),
                    "test row {t} was in the training folds"
                );
            }
            test.iter()
                .map(|_| Prediction {
                    label: self.0,
                    confidence: 1.0,
                })
                .collect()
        }
    }

    #[test]
    fn cross_validation_never_predicts_a_row_it_was_fitted_on() {
        let inputs: Vec<usize> = (0..20).collect();
        let labels: Vec<usize> = (0..20).map(|i| if i < 12 { 1 } else { 2 }).collect();
        let cv = cross_validate(|| Majority(0, Vec::new()), &inputs, &labels, 5, 7);
        assert_eq!(cv.predictions.len(), 20);
        assert_eq!(cv.name, "majority");
        assert!(cv.predictions.iter().all(|p| p.label == 1));
    }
}
