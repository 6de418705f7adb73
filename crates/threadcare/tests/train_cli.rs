//! `threadcare train` as a person uses it, on small synthetic sets written here (our own words,
//! the real sets' columns): it writes every model and the README, the models load, the same seed
//! writes the same files, and a missing data folder is a message with nothing written.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use threadcare_engine::model::{Models, FILES};

fn threadcare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(args)
        .output()
        .expect("run threadcare")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "threadcare-train-cli-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

const OPENERS: [&str; 5] = [
    "Lately",
    "This month",
    "Since spring",
    "Every evening",
    "At school",
];
const PLACES: [&str; 4] = ["at work", "at home", "in class", "on the team"];

/// Small sets in the columns the loaders read.
fn write_sets(root: &Path) {
    fs::create_dir_all(root.join("epitome")).unwrap();
    fs::create_dir_all(root.join("irf")).unwrap();
    fs::create_dir_all(root.join("dreaddit")).unwrap();
    for (stem, cue) in [
        ("emotional-reactions", "I am so sorry, that sounds awful."),
        (
            "interpretations",
            "I understand, I went through the same thing.",
        ),
        ("explorations", "What happened after that? How are you now?"),
    ] {
        let mut csv = String::from("sp_id,rp_id,seeker_post,response_post,level\n");
        for i in 0..60 {
            let level = i % 3;
            let seeker = format!("{} things feel heavy {}.", OPENERS[i % 5], PLACES[i % 4]);
            let reply = match level {
                0 => format!("Try a walk {}.", PLACES[(i + 1) % 4]),
                1 => format!("{cue} Try a walk."),
                _ => format!("{cue} {cue} Keep going {}.", PLACES[i % 4]),
            };
            let _ = writeln!(csv, "s{i:03},r{i:03},\"{seeker}\",\"{reply}\",{level}");
        }
        fs::write(root.join(format!("epitome/{stem}-reddit.csv")), csv).unwrap();
    }
    for (split, n) in [("train", 48), ("val", 24)] {
        let mut csv = String::from("Unnamed: 0,text,belong,belong_exp,burden,burden_exp\n");
        for i in 0..n {
            let burden = i % 3 == 0;
            let belong = i % 4 == 1;
            let mut text = format!("{} I keep busy {}.", OPENERS[i % 5], PLACES[i % 4]);
            if burden {
                text.push_str(" My family would be better off without me dragging them down.");
            }
            if belong {
                text.push_str(" Nobody ever invites me and I sit alone every lunch.");
            }
            let _ = writeln!(csv, "{i},\"{text}\",{},,{},", belong as u8, burden as u8);
        }
        fs::write(root.join(format!("irf/{split}_data.csv")), csv).unwrap();
    }
    let mut csv = String::from("id,text,label\n");
    for i in 0..40 {
        let stress = i % 2 == 0;
        let text = if stress {
            format!(
                "{} the deadlines {} keep me awake and anxious.",
                OPENERS[i % 5],
                PLACES[i % 4]
            )
        } else {
            format!(
                "{} we cooked dinner {} and watched a film.",
                OPENERS[i % 5],
                PLACES[i % 4]
            )
        };
        let _ = writeln!(csv, "{i},\"{text}\",{}", stress as u8);
    }
    fs::write(root.join("dreaddit/dreaddit-train.csv"), csv).unwrap();
}

fn model_files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = FILES
        .iter()
        .map(|f| {
            (
                f.to_string(),
                fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")),
            )
        })
        .collect();
    out.push((
        "README.md".into(),
        fs::read_to_string(dir.join("README.md")).unwrap(),
    ));
    out
}

#[test]
fn trains_every_model_deterministically() {
    let dir = scratch("train");
    let data = dir.join("data");
    write_sets(&data);
    let out = dir.join("models");
    let args = [
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "7",
        "--quiet",
    ];
    let o = threadcare(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    for name in ["epitome_emotional_reaction", "irf_burden", "confidence"] {
        assert!(
            stdout.contains(&format!("{name}: {{")),
            "figures of {name} printed: {stdout}"
        );
    }
    let mut first = model_files(&out);
    let models = Models::load_dir(&out).expect("the written models load");
    assert!(models.epitome.is_some() && models.confidence.is_some());
    let readme = &first.last().unwrap().1;
    assert!(
        readme.contains(&format!(
            "threadcare train --data {} --out {} --seed 7",
            data.display(),
            out.display()
        )),
        "{readme}"
    );
    assert!(readme.contains("irf_belong.json") && readme.contains("Validation"));
    let irf = &first.iter().find(|f| f.0 == "irf_burden.json").unwrap().1;
    assert!(
        irf.contains("\"seed\": 7") && irf.contains("\"threshold\""),
        "{irf}"
    );

    let o = threadcare(&args);
    assert_eq!(o.status.code(), Some(0));
    let mut second = model_files(&out);
    // The README records the time training took; everything else is the same.
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("Written by"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (a, b) = (first.pop().unwrap(), second.pop().unwrap());
    assert_eq!(strip(&a.1), strip(&b.1));
    assert_eq!(first, second, "the same seed writes the same model files");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn missing_data_is_a_message_and_nothing_is_written() {
    let dir = scratch("missing");
    let out = dir.join("models");
    let o = threadcare(&[
        "train",
        "--data",
        dir.join("nowhere").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was not found: nothing was trained"));
    assert!(!out.exists());
    // A folder without the sets the models need: a clear error naming the set.
    let o = threadcare(&[
        "train",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("EPITOME") && stderr.contains("not found"),
        "{stderr}"
    );
    assert!(!out.exists());
    let _ = fs::remove_dir_all(&dir);
}
