//! A linear model over hashed sparse features: logistic (two classes) or softmax (more), and
//! its file format.
//!
//! A model file is JSON: a header (format, name, feature version, labels, bias, decision
//! threshold, how it was made) and the weights as sparse rows `[slot, w…]`, one row per line,
//! each weight with four significant digits. Slots whose weights were all near zero are not
//! stored. Loading checks everything and names the file in every error.

use std::fmt::Write as _;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::features::{Sparse, BITS, VERSION};

/// The format tag of a model file.
pub const FORMAT: &str = "threadcare-linear/1";

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("models/{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("models/{file} is missing: train the models with `threadcare train`")]
    Missing { file: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

/// A trained linear model.
#[derive(Clone)]
pub struct Linear {
    pub name: String,
    /// Class names, at least two; two classes have one output (logistic), more one per class.
    pub labels: Vec<String>,
    pub bias: Vec<f32>,
    /// The stored slots, in order.
    rows: Vec<u32>,
    /// Which slots are stored, one bit per slot, with for each 64-bit word of bits the number
    /// of stored slots in the words before it: a slot's row is that number plus the bits below
    /// it in its word. Each word is `[low bits, high bits, rows before]`, so that a lookup reads
    /// one entry of one small array (48 KiB for 2^18 slots) that stays in the cache, where the
    /// bits and the counts in two arrays cost two cache misses (and a table of rows by slot took
    /// 1 MiB a model and missed the cache on most words).
    index: Vec<[u32; 3]>,
    /// The weights of each stored row, `outputs()` per row.
    weights: Vec<f32>,
    /// For two classes: the probability of the second at or above which it is predicted.
    pub threshold: Option<f32>,
    /// How the engine combines this model with its rules (e.g. `model`, `max`).
    pub combine: Option<String>,
    /// For more than two classes: an amount added to each class's score before the most
    /// probable class is taken (a decision rule chosen on validation data, e.g. to favour a rare
    /// class for macro-F1). Probabilities are not changed by it.
    pub offsets: Option<Vec<f32>>,
    /// Feature blocks the model reads besides the shared features (see
    /// [`super::reply::BLOCKS`]); empty for most models.
    pub extra: Vec<String>,
    /// For a sentence model (`irf_*_sentences`): the weight (0–1) of the largest sentence
    /// probability in the factor's score, the post model's probability having the rest.
    pub weight: Option<f32>,
    /// How the model was made: data, split, seed, hyper-parameters, figures (free-form).
    pub made: serde_json::Value,
}

impl std::fmt::Debug for Linear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linear")
            .field("name", &self.name)
            .field("labels", &self.labels)
            .field("bias", &self.bias)
            .field("rows", &self.rows.len())
            .field("threshold", &self.threshold)
            .field("combine", &self.combine)
            .field("offsets", &self.offsets)
            .field("extra", &self.extra)
            .field("weight", &self.weight)
            .finish()
    }
}

/// The header of a model file, as written and read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    name: String,
    features: String,
    bits: u32,
    labels: Vec<String>,
    bias: Vec<f64>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    combine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offsets: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    extra: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<f64>,
    #[serde(default)]
    made: serde_json::Value,
    weights: Vec<Vec<f64>>,
}

impl Linear {
    /// A model from its parts: `rows` are (slot, one weight per output).
    pub fn new(
        name: &str,
        labels: Vec<String>,
        bias: Vec<f32>,
        rows: Vec<(u32, Vec<f32>)>,
    ) -> Linear {
        let outputs = outputs(labels.len());
        assert_eq!(bias.len(), outputs, "one bias per output");
        let mut m = Linear {
            name: name.to_string(),
            labels,
            bias,
            rows: Vec::with_capacity(rows.len()),
            index: vec![[0; 3]; (1 << BITS) / 64],
            weights: Vec::with_capacity(rows.len() * outputs),
            threshold: None,
            combine: None,
            offsets: None,
            extra: Vec::new(),
            weight: None,
            made: serde_json::Value::Null,
        };
        let mut rows = rows;
        rows.sort_by_key(|r| r.0);
        let mut present = vec![0u64; (1 << BITS) / 64];
        for (slot, w) in rows {
            assert_eq!(w.len(), outputs, "one weight per output");
            assert!(slot < 1 << BITS, "slot {slot} outside 2^{BITS}");
            let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
            assert_eq!(present[word] & bit, 0, "slot {slot} given twice");
            present[word] |= bit;
            m.rows.push(slot);
            m.weights.extend(w);
        }
        let mut stored = 0;
        for (entry, &bits) in m.index.iter_mut().zip(&present) {
            *entry = [bits as u32, (bits >> 32) as u32, stored];
            stored += bits.count_ones();
        }
        m
    }

    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    /// Stored (non-zero) rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The weights of a slot (none when the slot is not stored).
    #[inline]
    pub fn weights(&self, slot: u32) -> Option<&[f32]> {
        let o = self.outputs();
        let &[low, high, before] = self.index.get(slot as usize / 64)?;
        let bits = low as u64 | (high as u64) << 32;
        let bit = 1u64 << (slot % 64);
        if bits & bit == 0 {
            return None;
        }
        let row = (before + (bits & (bit - 1)).count_ones()) as usize;
        let at = row * o;
        Some(&self.weights[at..at + o])
    }

    /// Raw scores, one per output.
    pub fn scores(&self, x: &Sparse) -> Vec<f32> {
        let mut s = self.bias.clone();
        for &(slot, v) in &x.0 {
            if let Some(w) = self.weights(slot) {
                for (si, wi) in s.iter_mut().zip(w) {
                    *si += wi * v;
                }
            }
        }
        s
    }

    /// Class probabilities (one per label).
    pub fn probabilities(&self, x: &Sparse) -> Vec<f32> {
        probabilities(&self.scores(x))
    }

    /// The predicted class: for two classes, the second when its probability reaches the
    /// threshold (0.5 without one); otherwise the one with the largest score plus its offset
    /// (the most probable without offsets).
    pub fn predict(&self, x: &Sparse) -> usize {
        let s = self.scores(x);
        if s.len() == 1 {
            return (probabilities(&s)[1] >= self.threshold.unwrap_or(0.5)) as usize;
        }
        match &self.offsets {
            Some(o) => {
                let shifted: Vec<f32> = s.iter().zip(o).map(|(a, b)| a + b).collect();
                argmax(&shifted)
            }
            None => argmax(&s),
        }
    }

    /// The file text (see the module documentation).
    pub fn to_file(&self) -> String {
        let header = Header {
            format: FORMAT.into(),
            name: self.name.clone(),
            features: VERSION.into(),
            bits: BITS,
            labels: self.labels.clone(),
            bias: self.bias.iter().map(|&b| round4(b as f64)).collect(),
            threshold: self.threshold.map(|t| round4(t as f64)),
            combine: self.combine.clone(),
            offsets: self
                .offsets
                .as_ref()
                .map(|o| o.iter().map(|&x| round4(x as f64)).collect()),
            extra: self.extra.clone(),
            weight: self.weight.map(|w| round4(w as f64)),
            made: self.made.clone(),
            weights: Vec::new(),
        };
        let head = serde_json::to_string_pretty(&header).expect("a header serialises");
        // Replace the empty weight list by one row per line.
        let head = head
            .strip_suffix("\"weights\": []\n}")
            .expect("weights are the last field");
        let mut out = String::with_capacity(head.len() + self.rows.len() * 24);
        out.push_str(head);
        out.push_str("\"weights\": [");
        for (n, slot) in self.rows.iter().enumerate() {
            out.push_str(if n == 0 { "\n" } else { ",\n" });
            let _ = write!(out, "[{slot}");
            for w in self.weights(*slot).unwrap_or(&[]) {
                let _ = write!(out, ",{}", short(*w as f64));
            }
            out.push(']');
        }
        out.push_str("\n]\n}\n");
        out
    }

    /// Reads a model file; `file` names it in errors.
    pub fn from_file(file: &str, text: &str) -> Result<Linear, ModelError> {
        let invalid = |message: String| ModelError::Invalid {
            file: file.to_string(),
            message,
        };
        let h: Header =
            serde_json::from_str(text).map_err(|e| invalid(format!("not a model file: {e}")))?;
        if h.format != FORMAT {
            return Err(invalid(format!(
                "format `{}`, expected `{FORMAT}`",
                h.format
            )));
        }
        if h.features != VERSION || h.bits != BITS {
            return Err(invalid(format!(
                "made with features `{}` over 2^{} slots; this engine computes `{VERSION}` over 2^{BITS}: retrain with `threadcare train`",
                h.features, h.bits
            )));
        }
        if h.labels.len() < 2 {
            return Err(invalid("fewer than two labels".into()));
        }
        let outputs = outputs(h.labels.len());
        if h.bias.len() != outputs {
            return Err(invalid(format!(
                "{} biases for {} outputs",
                h.bias.len(),
                outputs
            )));
        }
        let finite = |x: f64| x.is_finite();
        if !h.bias.iter().copied().all(finite) {
            return Err(invalid("a bias is not a finite number".into()));
        }
        if let Some(t) = h.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(invalid(format!("threshold {t} is outside 0–1")));
            }
        }
        if let Some(w) = h.weight {
            if !(0.0..=1.0).contains(&w) {
                return Err(invalid(format!("weight {w} is outside 0–1")));
            }
        }
        let mut rows = Vec::with_capacity(h.weights.len());
        let mut seen = FxHashMap::default();
        for (n, row) in h.weights.iter().enumerate() {
            let bad = |why: &str| invalid(format!("weight row {}: {why}", n + 1));
            if row.len() != outputs + 1 {
                return Err(bad(&format!(
                    "{} numbers, expected a slot and {outputs} weights",
                    row.len()
                )));
            }
            let slot = row[0];
            if slot.fract() != 0.0 || !(0.0..(1u64 << BITS) as f64).contains(&slot) {
                return Err(bad(&format!(
                    "slot {slot} is not a whole number below 2^{BITS}"
                )));
            }
            if !row[1..].iter().copied().all(finite) {
                return Err(bad("a weight is not a finite number"));
            }
            if seen.insert(slot as u32, ()).is_some() {
                return Err(bad(&format!("slot {slot} appears twice")));
            }
            rows.push((slot as u32, row[1..].iter().map(|&w| w as f32).collect()));
        }
        let mut m = Linear::new(
            &h.name,
            h.labels,
            h.bias.iter().map(|&b| b as f32).collect(),
            rows,
        );
        if let Some(o) = &h.offsets {
            if o.len() != m.labels.len() || m.labels.len() == 2 {
                return Err(invalid(format!(
                    "{} offsets for {} classes (offsets are for three or more classes, one each)",
                    o.len(),
                    m.labels.len()
                )));
            }
            if !o.iter().copied().all(finite) {
                return Err(invalid("an offset is not a finite number".into()));
            }
        }
        if let Some(b) = h
            .extra
            .iter()
            .find(|b| !super::reply::BLOCKS.contains(&b.as_str()))
        {
            return Err(invalid(format!(
                "reads the feature block `{b}`, which this engine does not compute (it knows {}): retrain with `threadcare train`",
                super::reply::BLOCKS.join(", ")
            )));
        }
        m.extra = h.extra;
        m.threshold = h.threshold.map(|t| t as f32);
        m.weight = h.weight.map(|w| w as f32);
        m.combine = h.combine;
        m.offsets = h.offsets.map(|o| o.iter().map(|&x| x as f32).collect());
        m.made = h.made;
        Ok(m)
    }
}

/// Outputs of a model with `classes` classes.
pub fn outputs(classes: usize) -> usize {
    if classes == 2 {
        1
    } else {
        classes
    }
}

/// Probabilities from raw scores: logistic for one output, softmax for more.
pub fn probabilities(scores: &[f32]) -> Vec<f32> {
    if scores.len() == 1 {
        let p = positive(scores[0]);
        return vec![1.0 - p, p];
    }
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f64> = scores.iter().map(|&s| ((s - max) as f64).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| (e / sum) as f32).collect()
}

/// A logistic model's probability of its second class from its score (the second of
/// [`probabilities`]).
pub fn positive(score: f32) -> f32 {
    sigmoid(score as f64) as f32
}

pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The index of the largest value (the first of equals).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Four significant digits.
pub fn round4(x: f64) -> f64 {
    short(x).parse().unwrap_or(0.0)
}

/// A number with four significant digits in the shortest JSON form.
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.3e}");
    // Prefer plain decimals for ordinary magnitudes: 0.1234, -2.5, 12.34.
    let magnitude = x.abs().log10().floor() as i32;
    if (-3..4).contains(&magnitude) {
        let decimals = (3 - magnitude).max(0) as usize;
        let plain = format!("{x:.decimals$}");
        let plain = if plain.contains('.') {
            plain
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            plain
        };
        if plain.len() <= s.len() {
            return plain;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Linear {
        let mut m = Linear::new(
            "t",
            vec!["none".into(), "weak".into(), "strong".into()],
            vec![0.1, -0.2, 0.05],
            vec![(7, vec![1.0, -0.5, 0.25]), (3, vec![0.0, 2.0, -1.0])],
        );
        m.combine = Some("max".into());
        m.made = serde_json::json!({"seed": 1});
        m
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(-2.5), "-2.5");
        assert_eq!(short(12.3456), "12.35");
        assert_eq!(short(0.000012346), "1.235e-5");
        assert_eq!(short(0.0), "0");
        assert_eq!(round4(1234567.0), 1235000.0);
    }

    #[test]
    fn scores_and_probabilities() {
        let m = model();
        let x = Sparse(vec![(3, 1.0), (5, 9.0), (7, 2.0)]);
        let s = m.scores(&x);
        assert_eq!(s, vec![0.1 + 2.0, -0.2 + 2.0 - 1.0, 0.05 - 1.0 + 0.5]);
        let p = m.probabilities(&x);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(m.predict(&x), 0);
        let b = Linear::new(
            "b",
            vec!["no".into(), "yes".into()],
            vec![0.0],
            vec![(1, vec![2.0])],
        );
        assert_eq!(b.probabilities(&Sparse(vec![])), vec![0.5, 0.5]);
        assert_eq!(b.predict(&Sparse(vec![(1, 1.0)])), 1);
    }

    /// A slot's weights are found by its rank among the stored slots: the right row for every
    /// slot, at the edges of the 64-bit words and of the slot range, and none for the others.
    #[test]
    fn weights_are_found_by_rank() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut slots: Vec<u32> = vec![0, 1, 63, 64, 65, 127, 128, (1 << BITS) - 1];
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            slots.push((x % (1 << BITS)) as u32);
        }
        slots.sort_unstable();
        slots.dedup();
        let rows: Vec<(u32, Vec<f32>)> = slots
            .iter()
            .map(|&s| (s, vec![s as f32, -(s as f32)]))
            .collect();
        let m = Linear::new(
            "r",
            vec!["a".into(), "b".into(), "c".into()],
            vec![0.0; 3],
            rows.iter()
                .rev()
                .map(|(s, w)| (*s, vec![w[0], w[1], 1.0]))
                .collect(),
        );
        for slot in (0..1u32 << BITS).chain([1 << BITS, u32::MAX]) {
            let want = slots
                .binary_search(&slot)
                .ok()
                .map(|_| vec![slot as f32, -(slot as f32), 1.0]);
            assert_eq!(m.weights(slot).map(|w| w.to_vec()), want, "slot {slot}");
        }
        assert_eq!(m.len(), slots.len());
    }

    #[test]
    fn file_round_trip() {
        let m = model();
        let text = m.to_file();
        let back = Linear::from_file("t.json", &text).expect("reads back");
        assert_eq!(back.name, "t");
        assert_eq!(back.labels, m.labels);
        assert_eq!(back.bias, m.bias);
        assert_eq!(back.weights(7), m.weights(7));
        assert_eq!(back.weights(3), m.weights(3));
        assert_eq!(back.len(), 2);
        assert_eq!(back.combine.as_deref(), Some("max"));
        assert_eq!(back.made["seed"], 1);
        assert_eq!(back.to_file(), text, "writing is stable");
        // One weight row per line, in slot order.
        assert!(
            text.contains("\"weights\": [\n[3,0,2,-1],\n[7,1,-0.5,0.25]\n]"),
            "{text}"
        );
    }

    #[test]
    fn offsets_move_the_decision_not_the_probabilities() {
        let mut m = model();
        let x = Sparse(vec![(3, 1.0), (7, 2.0)]);
        // Scores 2.1, 0.8, -0.45: the first grade without offsets.
        assert_eq!(m.predict(&x), 0);
        let p = m.probabilities(&x);
        m.offsets = Some(vec![0.0, 1.5, 0.0]);
        assert_eq!(m.predict(&x), 1, "2.1 vs 0.8 + 1.5");
        assert_eq!(m.probabilities(&x), p);
        m.offsets = Some(vec![0.0, 1.5, 3.0]);
        assert_eq!(m.predict(&x), 2);
        let text = m.to_file();
        assert!(
            text.contains("\"offsets\": [\n    0.0,\n    1.5,\n    3.0\n  ]"),
            "{text}"
        );
        let back = Linear::from_file("t.json", &text).expect("reads back");
        assert_eq!(back.offsets, m.offsets);
        assert_eq!(back.predict(&x), 2);
        assert_eq!(back.to_file(), text);
        // Without offsets the file has no such field.
        assert!(!model().to_file().contains("offsets"));
        let err = |text: &str| Linear::from_file("x.json", text).unwrap_err().to_string();
        assert!(
            err(&text.replace("\"offsets\": [\n    0.0,\n", "\"offsets\": [\n"))
                .contains("2 offsets for 3 classes"),
            "{}",
            err(&text.replace("\"offsets\": [\n    0.0,\n", "\"offsets\": [\n"))
        );
    }

    #[test]
    fn extra_feature_blocks_are_recorded_and_checked() {
        let mut m = model();
        assert!(!m.to_file().contains("\"extra\""));
        m.extra = vec!["question_words".into()];
        let text = m.to_file();
        let back = Linear::from_file("t.json", &text).expect("reads back");
        assert_eq!(back.extra, m.extra);
        let err = Linear::from_file("t.json", &text.replace("question_words", "tea_leaves"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("feature block `tea_leaves`") && err.contains("retrain"),
            "{err}"
        );
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let good = model().to_file();
        let err = |text: &str| Linear::from_file("x.json", text).unwrap_err().to_string();
        assert!(
            err("").starts_with("models/x.json: not a model file"),
            "{}",
            err("")
        );
        assert!(err(&good.replace(FORMAT, "other/9")).contains("format `other/9`"));
        assert!(err(&good.replace(VERSION, "tc-features-0"))
            .contains("retrain with `threadcare train`"));
        assert!(
            err(&good.replace("[7,1,-0.5,0.25]", "[7,1,-0.5]")).contains("weight row 2: 3 numbers")
        );
        assert!(err(&good.replace("[7,1,", "[3,1,")).contains("slot 3 appears twice"));
        assert!(err(&good.replace("[7,1,", "[262144,1,")).contains("not a whole number below 2^18"));
        assert!(err(&good.replace("[7,1,", "[7.5,1,")).contains("not a whole number"));
        assert!(
            err(&good.replace("\"bias\": [\n    0.1,\n", "\"bias\": [\n"))
                .contains("2 biases for 3 outputs")
        );
    }
}
