-- An app-shaped MySQL schema using every feature the MySQL source translates.
SET SESSION sql_mode = '';
CREATE TABLE users (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(191) NOT NULL,
  is_admin tinyint(1) NOT NULL DEFAULT '0',
  active bit(1) NOT NULL DEFAULT b'1',
  plan enum('free','pro','team') NOT NULL DEFAULT 'free',
  roles set('reader','writer','admin') NOT NULL DEFAULT 'reader',
  prefs json DEFAULT NULL,
  score float DEFAULT NULL,
  ratio double DEFAULT NULL,
  balance decimal(12,2) NOT NULL DEFAULT '0.00',
  big_counter bigint unsigned DEFAULT NULL,
  birth_year year DEFAULT NULL,
  born date DEFAULT NULL,
  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  last_login timestamp NULL DEFAULT NULL,
  alarm time DEFAULT NULL,
  avatar blob,
  token binary(16) DEFAULT NULL,
  legacy_name varchar(60) CHARACTER SET latin1 DEFAULT NULL,
  bio text,
  location geometry DEFAULT NULL,
  UNIQUE KEY users_email_unique (email),
  KEY users_created (created_at),
  FULLTEXT KEY users_bio_ft (bio),
  CONSTRAINT balance_positive CHECK (balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE posts (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id int unsigned NOT NULL,
  title varchar(200) NOT NULL,
  body longtext,
  published tinyint(1) NOT NULL DEFAULT 0,
  KEY posts_title_prefix (title(20)),
  CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tags (name varchar(40) NOT NULL PRIMARY KEY, uses int NOT NULL DEFAULT 0) ENGINE=InnoDB;
CREATE TABLE post_tags (
  post_id bigint unsigned NOT NULL, tag varchar(40) NOT NULL, PRIMARY KEY (post_id, tag),
  FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  FOREIGN KEY (tag) REFERENCES tags (name)
) ENGINE=InnoDB;

INSERT INTO users (email, is_admin, active, plan, roles, prefs, score, ratio, balance, big_counter,
                   birth_year, born, created_at, updated_at, last_login, alarm, avatar, token,
                   legacy_name, bio, location) VALUES
 ('ada@example.com', 1, b'1', 'team', 'reader,admin', '{"theme": "dark", "n": [1, 2.50]}', 1.1, 0.1e0 * 3,
  10.50, 18446744073709551615, 1985, '1985-12-10', '2024-01-01 10:00:00', '2024-01-02 10:00:00.123',
  '2024-06-01 12:00:00', '08:30:00', x'89504e47', UNHEX('00112233445566778899aabbccddeeff'),
  'Zoë Façade', 'writes compilers', ST_GeomFromText('POINT(1 2)')),
 ('bob@example.com', 0, b'0', 'free', '', '[]', NULL, 1e300, 0, 0, 0, '0000-00-00',
  '0000-00-00 00:00:00', '2024-01-02 10:00:00', NULL, NULL, NULL, NULL, NULL, 'likes ☕ and 😀', NULL),
 ('eve@example.com', 0, b'1', '', 'writer', '{}', 2.5, -0.0, 1, NULL, NULL, '2024-00-10',
  '2024-03-01 00:00:00', '2024-03-01 00:00:00', NULL, '-02:00:00', NULL, NULL, NULL,
  CONCAT('nul', CHAR(0), 'byte'), NULL);
INSERT INTO users (email, created_at) SELECT CONCAT('user', seq, '@example.com'), '2024-05-05 05:05:05'
  FROM seq_1_to_200;
INSERT INTO posts (user_id, title, body, published)
  SELECT 1 + seq % 200, CONCAT('Post ', seq), REPEAT('lorem ipsum ', seq % 7), seq % 2 FROM seq_1_to_500;
INSERT INTO tags VALUES ('mysql', 3), ('postgres', 5);
INSERT INTO post_tags VALUES (1, 'mysql'), (1, 'postgres'), (2, 'postgres');
CREATE VIEW published_posts AS SELECT p.id, p.title, u.email FROM posts p JOIN users u ON u.id = p.user_id WHERE p.published = 1;
CREATE VIEW user_stats AS SELECT user_id, GROUP_CONCAT(title ORDER BY id SEPARATOR ', ') AS titles FROM posts GROUP BY user_id;
CREATE TRIGGER posts_bump AFTER INSERT ON posts FOR EACH ROW UPDATE tags SET uses = uses + 1 WHERE name = 'mysql';
CREATE PROCEDURE purge_old() DELETE FROM posts WHERE id < 0;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO DELETE FROM posts WHERE id < 0;
