"""Write data/dump.sql: what `mysqldump --single-transaction github_insights` printed (MySQL 8.0).

Deterministic (fixed seed). Run `python data/make_dump.py` from examples/github-api.
JSON columns, ENUM, tinyint(1) booleans, zero-able DATETIMEs, utf8mb4 text: the MySQL shapes that
a PostgreSQL migration has to translate.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: github_insights
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

"""

TABLES = {
    "users": """CREATE TABLE `users` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(191) NOT NULL,
  `github_login` varchar(100) DEFAULT NULL,
  `is_admin` tinyint(1) NOT NULL DEFAULT '0',
  `digest_frequency` enum('never','weekly','monthly') NOT NULL DEFAULT 'weekly',
  `preferences` json DEFAULT NULL,
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_unique` (`email`)
) ENGINE=InnoDB AUTO_INCREMENT=31 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;""",
    "repositories": """CREATE TABLE `repositories` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `full_name` varchar(255) NOT NULL,
  `visibility` enum('public','private','internal') DEFAULT 'public',
  `archived` tinyint(1) DEFAULT '0',
  `stars` int DEFAULT '0',
  `topics` json DEFAULT NULL,
  `last_synced_at` datetime DEFAULT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `full_name` (`full_name`)
) ENGINE=InnoDB AUTO_INCREMENT=81 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;""",
    "contributors": """CREATE TABLE `contributors` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `repository_id` bigint unsigned NOT NULL,
  `login` varchar(100) NOT NULL,
  `contributions` int unsigned NOT NULL DEFAULT '0',
  `is_bot` tinyint(1) NOT NULL DEFAULT '0',
  `first_seen_at` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `repo_login` (`repository_id`,`login`),
  CONSTRAINT `contributors_repo_fk` FOREIGN KEY (`repository_id`) REFERENCES `repositories` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB AUTO_INCREMENT=301 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;""",
    "email_log": """CREATE TABLE `email_log` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `user_id` int unsigned DEFAULT NULL,
  `kind` enum('digest','alert','welcome') NOT NULL,
  `status` enum('queued','sent','bounced') NOT NULL DEFAULT 'queued',
  `payload` json NOT NULL,
  `sent_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `email_log_user` (`user_id`)
) ENGINE=InnoDB AUTO_INCREMENT=121 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;""",
}

FOOTER = """/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2024-05-02 14:11:09
"""

ORGS = ["vercel", "rust-lang", "django", "golang", "facebook", "sveltejs", "denoland", "tokio-rs"]
REPOS = ["core", "docs", "cli", "website", "examples", "sdk", "bench", "infra", "lint", "ui"]
LOGINS = ["octocat", "torvalds", "gaearon", "yyx990803", "sindresorhus", "dependabot[bot]",
          "renovate[bot]", "jöhn-dœ", "李雷", "ana-maría"]


def lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def dt(moment: datetime, millis: bool = False) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if millis else moment.strftime("%Y-%m-%d %H:%M:%S")


def table_rows(rnd: random.Random) -> dict[str, list[tuple[object, ...]]]:
    start = datetime(2024, 1, 5, 12, 0, 0)
    out: dict[str, list[tuple[object, ...]]] = {name: [] for name in TABLES}
    for i in range(1, 31):
        created = start + timedelta(days=rnd.randint(0, 100), seconds=rnd.randint(0, 86399))
        prefs = None if i % 4 == 0 else json.dumps({"timezone": rnd.choice(["UTC", "Europe/Berlin", "Asia/Tokyo"]),
                                                    "repos": rnd.sample(ORGS, 2)})
        out["users"].append((i, f"dev{i}@example.org", None if i % 5 == 0 else LOGINS[i % len(LOGINS)],
                             1 if i == 1 else 0, rnd.choice(["never", "weekly", "weekly", "monthly"]), prefs,
                             dt(created), dt(created + timedelta(days=rnd.randint(0, 30)))))
    for i in range(1, 81):
        created = start + timedelta(days=rnd.randint(0, 60), seconds=rnd.randint(0, 86399))
        synced = None if i % 9 == 0 else dt(created + timedelta(hours=rnd.randint(1, 900)))
        topics = json.dumps(rnd.sample(["web", "cli", "database", "ml", "docs", "wasm"], rnd.randint(0, 3)))
        out["repositories"].append((i, f"{ORGS[i % len(ORGS)]}/{REPOS[i % len(REPOS)]}-{i}",
                                    rnd.choice(["public", "public", "private", "internal"]),
                                    1 if i % 11 == 0 else 0, rnd.randint(0, 120000),
                                    None if i % 13 == 0 else topics, synced, dt(created), dt(created)))
    seen: set[tuple[int, str]] = set()
    while len(out["contributors"]) < 300:
        repo, login = rnd.randint(1, 80), LOGINS[rnd.randrange(len(LOGINS))]
        if (repo, login) in seen:
            login = f"{login}-{len(seen)}"
        seen.add((repo, login))
        first = None if len(seen) % 10 == 0 else dt(start + timedelta(days=rnd.randint(0, 90)))
        out["contributors"].append((len(out["contributors"]) + 1, repo, login, rnd.randint(1, 4000),
                                    1 if "[bot]" in login else 0, first))
    for i in range(1, 121):
        status = rnd.choice(["sent", "sent", "sent", "queued", "bounced"])
        sent = None if status == "queued" else dt(start + timedelta(days=rnd.randint(7, 110), milliseconds=rnd.randint(0, 86_399_999)), millis=True)
        payload = json.dumps({"subject": "Weekly GitHub digest", "repos": rnd.randint(1, 10), "ünïcode": "✓"}, ensure_ascii=False)
        out["email_log"].append((i, None if i % 15 == 0 else rnd.randint(1, 30),
                                 rnd.choice(["digest", "digest", "alert", "welcome"]), status, payload, sent))
    return out


def dump(path: Path) -> None:
    data = table_rows(random.Random(7))
    parts = [HEADER]
    for name, ddl in TABLES.items():
        parts.append(f"--\n-- Table structure for table `{name}`\n--\n\nDROP TABLE IF EXISTS `{name}`;\n{ddl}\n\n")
        parts.append(f"--\n-- Dumping data for table `{name}`\n--\n\nLOCK TABLES `{name}` WRITE;\n")
        parts.append(f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n")
        values = ",".join("(" + ",".join(lit(v) for v in row) + ")" for row in data[name])
        parts.append(f"INSERT INTO `{name}` VALUES {values};\n")
        parts.append(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n")
    parts.append(FOOTER)
    path.write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    dump(Path(__file__).resolve().parent / "dump.sql")
